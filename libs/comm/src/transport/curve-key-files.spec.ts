import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { publicKeyFileFor, readAllowList, readCurveKeyPair, writeCurveKeyPair } from './curve-key-files';

describe('CURVE key files', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-keys-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a pair (secret at 0600), reads it back, and refuses to overwrite', () => {
    const files = writeCurveKeyPair(dir, 'worker-1');
    expect(files.secretFile).toBe(path.join(dir, 'worker-1.key'));
    expect(publicKeyFileFor(files.secretFile)).toBe(files.publicFile);
    expect(fs.statSync(files.secretFile).mode & 0o777).toBe(0o600);
    const pair = readCurveKeyPair(files.secretFile);
    expect(pair.publicKey).toBe(files.publicKey);
    expect(pair.secretKey).toHaveLength(40);
    expect(pair.secretKey).not.toBe(pair.publicKey);
    expect(() => writeCurveKeyPair(dir, 'worker-1')).toThrow(/already exists/);
  });

  it('warns like ssh when a secret key file is readable by group or others, and not when it is 0600', () => {
    const files = writeCurveKeyPair(dir, 'coordinator');
    const warnings: string[] = [];
    readCurveKeyPair(files.secretFile, (message) => warnings.push(message));
    expect(warnings).toEqual([]);
    fs.chmodSync(files.secretFile, 0o644);
    const pair = readCurveKeyPair(files.secretFile, (message) => warnings.push(message));
    expect(pair.publicKey).toBe(files.publicKey);
    expect(warnings).toEqual([`WARNING: UNPROTECTED SECRET KEY FILE: ${files.secretFile} has permissions 0644, so other users on this machine can read it and impersonate this process. Make it private: chmod 600 ${files.secretFile}`]);
  });

  it('reads an allow-list from a folder of .pub files or a file of keys, and refuses bad lines', () => {
    const a = writeCurveKeyPair(dir, 'a');
    const b = writeCurveKeyPair(dir, 'b');
    expect(readAllowList(dir)).toEqual(new Set([a.publicKey, b.publicKey]));
    const list = path.join(dir, 'allow.txt');
    fs.writeFileSync(list, `# workers\n${a.publicKey}\n\n`);
    expect(readAllowList(list)).toEqual(new Set([a.publicKey]));
    fs.writeFileSync(list, 'not-a-key\n');
    expect(() => readAllowList(list)).toThrow(/Line 1 .* not a 40-character Z85/);
    expect(() => readAllowList(path.join(dir, 'missing'))).toThrow(/does not exist/);
  });
});
