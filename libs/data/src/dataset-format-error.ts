/**
 * A data file that is not what it should be: wrong magic number, too short,
 * wrong dimensions, counts that do not match. The message names the file
 * and gives what was expected and what was found.
 */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';

  constructor(
    /** The file at fault. */
    readonly file: string,
    /** What is wrong, e.g. `truncated image data`. */
    readonly problem: string,
    /** What a valid file has here. */
    readonly expected: string,
    /** What this file has. */
    readonly found: string,
    /** What the user can do about it. */
    readonly hint?: string,
  ) {
    super(`${file}: ${problem}: expected ${expected}, found ${found}.${hint ? ` ${hint}` : ''}`);
  }
}
