/** A file that can be downloaded and checked. */
export interface RemoteFile {
  /** File name in the cache folder, e.g. `train-images-idx3-ubyte.gz`. */
  readonly name: string;
  /** Where to fetch it, tried in order until one gives the right bytes. */
  readonly urls: readonly string[];
  /** SHA-256 of the expected bytes, lower-case hex. */
  readonly sha256: string;
  /** Expected size in bytes, when known. */
  readonly size?: number;
}

/** The same file fetched from other base URLs (`<base>/<name>`), e.g. a local mirror. */
export function withMirrors(file: RemoteFile, baseUrls: readonly string[]): RemoteFile {
  return { ...file, urls: baseUrls.map((base) => `${base.replace(/\/+$/, '')}/${file.name}`) };
}
