import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DurableFiles } from './durable-files';
import { type FileSystem, nodeFileSystem } from './file-system';
import { StorageError } from './storage-error';
import { FaultyFileSystem } from './testing/faulty-file-system';

describe('DurableFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => i % 251));
  const visible = (folder: string): string[] => fs.readdirSync(folder).filter((name) => !name.startsWith('.')).sort();
  const hidden = (folder: string): string[] => fs.readdirSync(folder).filter((name) => name.startsWith('.'));

  it('writes a file whole through short writes (writeSync returning fewer bytes than asked)', () => {
    const faulty = new FaultyFileSystem({ maxBytesPerWrite: 7 });
    const file = path.join(dir, 'a', 'weights.bin');
    new DurableFiles(faulty).writeFile(file, bytes(1000));
    expect(fs.readFileSync(file)).toEqual(bytes(1000));
    expect(faulty.written).toBe(1000);
    expect(hidden(path.dirname(file))).toEqual([]);
  });

  it('on ENOSPC mid-file keeps the old file, leaves no temporary, and names the path and the remedy', () => {
    const file = path.join(dir, 'final-weights.bin');
    fs.writeFileSync(file, 'old');
    const attempt = (): void => new DurableFiles(new FaultyFileSystem({ spaceBytes: 100 })).writeFile(file, bytes(1000));
    expect(attempt).toThrow(StorageError);
    expect(attempt).toThrow(/Could not write .*final-weights\.bin: the filesystem is full \(ENOSPC\).*Free space there, or choose another --out, then continue with --resume/);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(hidden(dir)).toEqual([]);
  });

  it('a write that stops making progress is an error, not a silent truncation', () => {
    const file = path.join(dir, 'optimizer.bin');
    expect(() => new DurableFiles(new FaultyFileSystem({ stallAfterBytes: 10 })).writeFile(file, bytes(100))).toThrow(/accepted 10 of 100 bytes/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('exclusive writes refuse to replace a file and set the mode', () => {
    const file = path.join(dir, 'worker.key');
    const files = new DurableFiles();
    files.writeFile(file, Buffer.from('secret\n'), { mode: 0o600, exclusive: true });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(() => files.writeFile(file, Buffer.from('other\n'), { exclusive: true })).toThrow(/already exists; refusing to overwrite it/);
    expect(fs.readFileSync(file, 'utf8')).toBe('secret\n');
    expect(hidden(dir)).toEqual([]);
  });

  it('writes a folder atomically, runs verify before it gets its name, and replaces an old one whole', () => {
    const folder = path.join(dir, 'checkpoints', 'step-000002');
    const files = new DurableFiles();
    files.writeFolder(folder, new Map([['a.json', Buffer.from('1')], ['sub/b.bin', bytes(10)]]));
    const seen: string[] = [];
    files.writeFolder(folder, new Map([['a.json', Buffer.from('2')]]), { verify: (temporary) => seen.push(fs.readFileSync(path.join(temporary, 'a.json'), 'utf8')) });
    expect(seen).toEqual(['2']);
    expect(fs.readFileSync(path.join(folder, 'a.json'), 'utf8')).toBe('2');
    expect(fs.existsSync(path.join(folder, 'sub'))).toBe(false);
    expect(visible(path.dirname(folder))).toEqual(['step-000002']);
    expect(hidden(path.dirname(folder))).toEqual([]);
  });

  it('a folder that fails verify or fills the disk never appears, and the old one stays', () => {
    const folder = path.join(dir, 'step-000004');
    new DurableFiles().writeFolder(folder, new Map([['a', Buffer.from('good')]]));
    const failing = (): void =>
      new DurableFiles().writeFolder(folder, new Map([['a', Buffer.from('new')]]), {
        verify: () => {
          throw new Error('read back differs');
        },
      });
    expect(failing).toThrow(/read back differs/);
    expect(() => new DurableFiles(new FaultyFileSystem({ spaceBytes: 3 })).writeFolder(folder, new Map([['a', bytes(50)]]))).toThrow(/ENOSPC/);
    expect(fs.readFileSync(path.join(folder, 'a'), 'utf8')).toBe('good');
    expect(hidden(dir)).toEqual([]);
  });

  it('append log: each record whole; a failed append is cut back so the file ends with the last whole record', () => {
    const file = path.join(dir, 'metrics.jsonl');
    const faulty = new FaultyFileSystem({ spaceBytes: 25 });
    const log = new DurableFiles(faulty).openAppendLog(file);
    log.append('{"step":0}\n');
    expect(() => log.append('{"step":1,"loss":0.123456}\n')).toThrow(/Could not append to .*metrics\.jsonl: the filesystem is full/);
    log.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"step":0}\n');
  });

  it('append log group commit: one fsync per interval, one at close; a failed fsync names the file', () => {
    const file = path.join(dir, 'metrics.jsonl');
    let nowMs = 0;
    let fsyncs = 0;
    let failSync = false;
    const counting: FileSystem = {
      ...nodeFileSystem(),
      fsyncSync: (fd: number) => {
        if (failSync) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
        fsyncs += 1;
        fs.fsyncSync(fd);
      },
    };
    const log = new DurableFiles(counting).openAppendLog(file, { syncIntervalMs: 1000, now: () => nowMs });
    for (let step = 0; step < 10; step++) log.append(`{"step":${step}}\n`);
    expect(fsyncs).toBe(0);
    nowMs = 1000;
    log.append('{"step":10}\n');
    expect(fsyncs).toBe(1);
    log.append('{"step":11}\n');
    expect(fsyncs).toBe(1);
    log.close();
    expect(fsyncs).toBe(2);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(13);

    const failing = new DurableFiles(counting).openAppendLog(file, { syncIntervalMs: 0 });
    failSync = true;
    expect(() => failing.append('{"step":12}\n')).toThrow(/Could not sync .*metrics\.jsonl: an I\/O error \(EIO\)/);
    failSync = false;
    failing.close();
  });

  it('cuts a torn tail to the last complete line and reports the bytes cut', () => {
    const file = path.join(dir, 'metrics.jsonl');
    fs.writeFileSync(file, '{"step":0}\n{"step":1}\n{"step":2,"lo');
    const files = new DurableFiles();
    expect(files.cutTornTail(file)).toBe(13);
    expect(fs.readFileSync(file, 'utf8')).toBe('{"step":0}\n{"step":1}\n');
    expect(files.cutTornTail(file)).toBe(0);
    expect(files.cutTornTail(path.join(dir, 'missing'))).toBe(0);
  });

  it('unique folders: concurrent callers of the same base each get their own', () => {
    const base = path.join(dir, 'runs', 'vae', '2026-12-04T10-00-00');
    const files = new DurableFiles();
    const made = [files.createUniqueFolder(base), files.createUniqueFolder(base), files.createUniqueFolder(base)];
    expect(made).toEqual([base, `${base}-2`, `${base}-3`]);
    expect(() => files.createUniqueFolder(base, 3)).toThrow(/all taken/);
  });

  it('a read-only destination says so, naming the folder (not ENOENT from mkdir)', () => {
    const target = path.join(dir, 'out', 'runs');
    const attempt = (): void => new DurableFiles(new FaultyFileSystem({ readOnly: true })).ensureWritableFolder(target);
    expect(attempt).toThrow(/Could not write to .*out\/runs: the filesystem is read-only \(EROFS\)\. Choose a writable --out\./);
  });
});
