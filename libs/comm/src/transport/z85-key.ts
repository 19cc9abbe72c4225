const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Checks that `key` is a 40-character Z85 CURVE key and returns it; throws saying which key was wrong. */
export function z85(key: string, what: string): string {
  if (!Z85_KEY.test(key)) {
    throw new Error(`The CURVE ${what} key is not a 40-character Z85 key (got ${key.length} characters). Create keys with \`ganglion keygen --out <dir>\`.`);
  }
  return key;
}

/** Whether `key` looks like a 40-character Z85 CURVE key. */
export function isZ85Key(key: string): boolean {
  return Z85_KEY.test(key);
}
