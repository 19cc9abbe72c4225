import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

/** Writes `count` 16x16 PNGs of bright boxes at different places into `folder` (stand-ins for your own images). */
export function makeImages(folder: string, count = 64): void {
  fs.mkdirSync(folder, { recursive: true });
  for (let i = 0; i < count; i++) {
    const png = new PNG({ width: 16, height: 16 });
    const [x0, y0, size] = [i % 9, Math.floor(i / 9) % 9, 4 + (i % 4)];
    for (let y = 0; y < 16; y++) {
      for (let x = 0; x < 16; x++) {
        const inside = x >= x0 && x < x0 + size && y >= y0 && y < y0 + size;
        png.data.set([inside ? 230 : 20, inside ? 230 : 20, inside ? 230 : 20, 255], (y * 16 + x) * 4);
      }
    }
    fs.writeFileSync(path.join(folder, `box-${String(i).padStart(3, '0')}.png`), PNG.sync.write(png));
  }
}

if (require.main === module) makeImages(path.join(__dirname, 'images'));
