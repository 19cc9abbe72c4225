import * as fs from 'node:fs';
import * as path from 'node:path';
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

/** Creates a new CURVE key pair as `<dir>/<name>.key` (secret, 0600) and `<dir>/<name>.pub`; refuses to overwrite. */
export function writeCurveKeyPair(dir: string, name: string): CurveKeyFiles {
  const pair = curveKeyPair();
  fs.mkdirSync(dir, { recursive: true });
  const secretFile = path.join(dir, `${name}.key`);
  const publicFile = path.join(dir, `${name}.pub`);
  for (const file of [secretFile, publicFile]) {
    if (fs.existsSync(file)) throw new Error(`${file} already exists; remove it or pick another --name.`);
  }
  fs.writeFileSync(secretFile, `${pair.secretKey}\n`, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(secretFile, 0o600);
  fs.writeFileSync(publicFile, `${pair.publicKey}\n`, { flag: 'wx' });
  return { secretFile, publicFile, publicKey: pair.publicKey };
}

/** Reads a key pair from its secret file and the `.pub` next to it (see publicKeyFileFor). */
export function readCurveKeyPair(secretFile: string): CurveKeyPair {
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
