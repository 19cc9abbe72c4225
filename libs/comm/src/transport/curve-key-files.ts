import * as fs from 'node:fs';
import * as path from 'node:path';
import { DurableFiles } from '@ganglion/storage';
import { curveKeyPair } from 'zeromq';
import type { CurveKeyPair } from './curve-options';
import { isZ85Key, z85 } from './z85-key';

/** Where `writeCurveKeyPair` put a new pair. */
export interface CurveKeyFiles {
  /** `<dir>/<name>.key`, mode 0600. */
  readonly secretFile: string;
  /** `<dir>/<name>.pub`. */
  readonly publicFile: string;
  readonly publicKey: string;
}

/** The public key file that goes with a secret key file: `x.key` -> `x.pub`, anything else -> `<file>.pub`. */
export function publicKeyFileFor(secretFile: string): string {
  return secretFile.endsWith('.key') ? `${secretFile.slice(0, -'.key'.length)}.pub` : `${secretFile}.pub`;
}

/**
 * Creates a new CURVE key pair as `<dir>/<name>.key` (secret, 0600) and
 * `<dir>/<name>.pub` through DurableFiles (whole, fsynced, never over an
 * existing file).
 */
export function writeCurveKeyPair(dir: string, name: string, files: DurableFiles = new DurableFiles()): CurveKeyFiles {
  const pair = curveKeyPair();
  const secretFile = path.join(dir, `${name}.key`);
  const publicFile = path.join(dir, `${name}.pub`);
  for (const file of [secretFile, publicFile]) {
    if (fs.existsSync(file)) throw new Error(`${file} already exists; remove it or pick another --name.`);
  }
  files.writeFile(secretFile, Buffer.from(`${pair.secretKey}\n`), { mode: 0o600, exclusive: true });
  fs.chmodSync(secretFile, 0o600);
  files.writeFile(publicFile, Buffer.from(`${pair.publicKey}\n`), { exclusive: true });
  return { secretFile, publicFile, publicKey: pair.publicKey };
}

/**
 * Like ssh's "UNPROTECTED PRIVATE KEY FILE": a warning when a secret key
 * file can be read or written by its group or by others. Undefined when
 * its mode is 0600 or stricter (or on a platform without modes).
 */
export function secretKeyPermissionWarning(secretFile: string): string | undefined {
  if (process.platform === 'win32' || !fs.existsSync(secretFile)) return undefined;
  const mode = fs.statSync(secretFile).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return (
    `WARNING: UNPROTECTED SECRET KEY FILE: ${secretFile} has permissions 0${mode.toString(8)}, so other users on this machine can read it ` +
    `and impersonate this process. Make it private: chmod 600 ${secretFile}`
  );
}

/**
 * Reads a key pair from its secret file and the `.pub` next to it (see
 * publicKeyFileFor). A secret file readable by group or others is used,
 * with secretKeyPermissionWarning passed to `warn` (default: stderr).
 */
export function readCurveKeyPair(secretFile: string, warn: (message: string) => void = (message) => process.stderr.write(`${message}\n`)): CurveKeyPair {
  const unprotected = secretKeyPermissionWarning(secretFile);
  if (unprotected !== undefined) warn(unprotected);
  const publicFile = publicKeyFileFor(secretFile);
  return {
    secretKey: z85(readKeyFile(secretFile), `secret (${secretFile})`),
    publicKey: z85(readKeyFile(publicFile), `public (${publicFile}, expected next to ${secretFile})`),
  };
}

/** Reads one Z85 public key from a file. */
export function readPublicKey(file: string): string {
  return z85(readKeyFile(file), `public (${file})`);
}

/**
 * Public keys allowed to join: a file with one Z85 key per line (blank lines
 * and `#` comments skipped), or a folder whose `*.pub` files hold one key each.
 */
export function readAllowList(fileOrDir: string): Set<string> {
  if (!fs.existsSync(fileOrDir)) throw new Error(`The allow-list ${fileOrDir} does not exist: give a file of Z85 public keys (one per line) or a folder of *.pub files.`);
  const keys = new Set<string>();
  if (fs.statSync(fileOrDir).isDirectory()) {
    for (const entry of fs.readdirSync(fileOrDir).filter((f) => f.endsWith('.pub')).sort()) {
      keys.add(readPublicKey(path.join(fileOrDir, entry)));
    }
  } else {
    fs.readFileSync(fileOrDir, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .forEach((line, index) => {
        if (line === '' || line.startsWith('#')) return;
        if (!isZ85Key(line)) throw new Error(`Line ${index + 1} of the allow-list ${fileOrDir} is not a 40-character Z85 public key.`);
        keys.add(line);
      });
  }
  if (keys.size === 0) throw new Error(`The allow-list ${fileOrDir} holds no public keys: no worker could join. Add the workers' .pub keys (\`ganglion keygen\`).`);
  return keys;
}

function readKeyFile(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`Key file ${file} does not exist. Create keys with \`ganglion keygen --out <dir> --name <name>\`.`);
  return fs.readFileSync(file, 'utf8').trim();
}
