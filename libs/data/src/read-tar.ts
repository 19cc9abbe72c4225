import { DatasetFormatError } from './dataset-format-error';

const BLOCK = 512;

/** One regular file of a tar archive. */
export interface TarEntry {
  readonly path: string;
  readonly data: Buffer;
}

/**
 * Lists the regular files of an (already gunzipped) ustar / GNU tar archive,
 * enough to unpack dataset archives such as `cifar-10-binary.tar.gz`.
 * Directories, links and extended headers are skipped (GNU long names are
 * honoured); a damaged header is a DatasetFormatError naming `file`.
 */
export function readTar(archive: Buffer, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const expectedSum = octal(header, 148, 8);
    if (expectedSum !== checksum(header)) {
      throw new DatasetFormatError(file, `damaged tar header at byte ${offset}`, `header checksum ${expectedSum}`, `${checksum(header)}`, 'Download the archive again.');
    }
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const start = offset + BLOCK;
    if (start + size > archive.length) {
      throw new DatasetFormatError(file, 'truncated tar archive', `${start + size} bytes or more`, `${archive.length} bytes`, 'Download the archive again.');
    }
    const data = archive.subarray(start, start + size);
    if (type === 'L') {
      longName = text(data, 0, size);
    } else {
      const prefix = text(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
      longName = undefined;
      if (type === '0' || type === '7') entries.push({ path: name, data });
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function text(bytes: Buffer, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end === -1 ? field.length : end);
}

function octal(bytes: Buffer, start: number, length: number): number {
  const value = text(bytes, start, length).trim();
  return value === '' ? 0 : parseInt(value, 8);
}

/** Sum of the header bytes with the checksum field read as spaces. */
function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return sum;
}
