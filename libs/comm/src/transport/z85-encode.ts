const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 text of `bytes` (ZeroMQ RFC 32); the length must be a multiple of 4 (a CURVE key is 32 bytes). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new Error(`Z85 encodes multiples of 4 bytes; got ${bytes.length}.`);
  let text = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i] << 24) >>> 0) + (bytes[i + 1] << 16) + (bytes[i + 2] << 8) + bytes[i + 3];
    const chunk: string[] = [];
    for (let k = 0; k < 5; k++) {
      chunk.unshift(ALPHABET[value % 85]);
      value = Math.floor(value / 85);
    }
    text += chunk.join('');
  }
  return text;
}
