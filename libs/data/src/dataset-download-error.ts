/** A dataset file that could not be fetched with the right bytes from any of its URLs. */
export class DatasetDownloadError extends Error {
  override readonly name = 'DatasetDownloadError';

  constructor(
    /** The file asked for, e.g. `train-images-idx3-ubyte.gz`. */
    readonly file: string,
    /** Where it would have been cached. */
    readonly target: string,
    /** One line per URL tried: what went wrong there. */
    readonly attempts: readonly string[],
    /** True when every failure looked like no network (DNS, refused, unreachable, timeout). */
    readonly offline: boolean,
  ) {
    super(
      `Could not download ${file}:\n${attempts.map((a) => `  - ${a}`).join('\n')}\n` +
        `Nothing was written to ${target}. ` +
        (offline
          ? 'This machine looks offline. Copy the file there by hand (it is checked against the same SHA-256), ' +
            "or point the dataset's `source` at a local folder that holds it."
          : 'Try again later, or copy the file there by hand (it is checked against the same SHA-256).'),
    );
  }
}
