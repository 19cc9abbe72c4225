import { DatasetFormatError } from './dataset-format-error';
import { readTar } from './read-tar';
import { makeTar } from './tar-test-helper';

describe('readTar', () => {
  it('lists regular files with their contents', () => {
    const archive = makeTar([
      { path: 'a/one.bin', data: Buffer.from([1, 2, 3]) },
      { path: 'a/two.bin', data: Buffer.alloc(1000, 7) },
    ]);
    const entries = readTar(archive, 'x.tar');
    expect(entries.map((e) => e.path)).toEqual(['a/one.bin', 'a/two.bin']);
    expect(Array.from(entries[0].data)).toEqual([1, 2, 3]);
    expect(entries[1].data.length).toBe(1000);
    expect(entries[1].data.every((b) => b === 7)).toBe(true);
  });

  it('names the archive when a header is damaged or the data is cut short', () => {
    const archive = makeTar([{ path: 'one.bin', data: Buffer.alloc(2000, 1) }]);
    const damaged = Buffer.from(archive);
    damaged[3] ^= 0xff;
    expect(() => readTar(damaged, 'bad.tar')).toThrow(DatasetFormatError);
    expect(() => readTar(damaged, 'bad.tar')).toThrow(/^bad\.tar: damaged tar header at byte 0: expected header checksum \d+, found \d+/);
    expect(() => readTar(archive.subarray(0, 1500), 'cut.tar')).toThrow('cut.tar: truncated tar archive: expected 2512 bytes or more, found 1500 bytes');
  });
});
