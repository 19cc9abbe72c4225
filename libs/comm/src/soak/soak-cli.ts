/**
 * `npm run soak [-- --calls 10000] [-- --short]`: allreduces of 4 KiB to
 * 40 MiB among 2, 4 and 8 processes, ring and star, f32 and fp16, CURVE on
 * and off, sends randomly delayed, every result checked against float64.
 * Prints count, duration and p50/p99/max per size, and writes them (and
 * every failure) to runs/soak/<date-time>.json. Exits 1 on any stall or
 * wrong result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicMarkingForLargeMessages } from '../transport/large-message-gc';
import { runSoak } from './run-soak';
import { formatSoakReport } from './soak-report';

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at < 0 ? undefined : process.argv[at + 1];
}

async function main(): Promise<number> {
  atomicMarkingForLargeMessages(); // the star's coordinator socket runs in this process, as in `ganglion coordinator`
  const short = process.argv.includes('--short');
  const calls = Number(argument('--calls') ?? (short ? 600 : 10_000));
  const seed = Number(argument('--seed') ?? 20261204);
  const worldSizes = (argument('--worlds') ?? '2,4,8').split(',').map(Number);
  if (!Number.isInteger(calls) || calls < 1 || worldSizes.some((n) => !Number.isInteger(n) || n < 2)) {
    throw new Error('Usage: npm run soak -- [--calls N] [--short] [--seed S] [--worlds 2,4,8]');
  }
  console.log(`soak: ${calls} allreduces, worlds ${worldSizes.join(', ')}, ${short ? 'short' : 'full'} size mix, seed ${seed}`);
  const report = await runSoak({ calls, worldSizes, seed, sizes: short ? 'short' : 'default', worldDeadlineMs: 3 * 60 * 60_000, onProgress: (line) => console.log(line) });
  const text = formatSoakReport(report);
  console.log(text);
  const folder = join(process.cwd(), 'runs', 'soak');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${new Date().toISOString().replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ command: process.argv.slice(2), calls, seed, worldSizes, report, table: text }, null, 2));
  console.log(`written to ${file}`);
  return report.failures.length === 0 && report.wrong.length === 0 && report.count === calls ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
