/**
 * Allreduce time against world size (issue 10, item 4): the ring reducer
 * (f32, one reused output) and raw TCP in the same ring pattern, among 2,
 * 4, 8 and 16 processes, for 1 and 4 MiB, beside the ring's α-β model
 * T(N, S) = 2(N-1)·α + 2(N-1)/N·S·β, with α and β fitted to the ring's
 * own 2-process medians (2α + S·β at 1 and 4 MiB).
 *
 *   npx tsx bench/reduce/world-size-table.ts [--runs 6] [--worlds 2,4,8,16]
 */
import { timeReduceCase } from './reduce-timing';

/** Median and 90th percentile (nearest rank) of the runs, ms. */
function percentiles(samples: readonly number[]): { median: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, p90: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)] };
}

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(name);
  return at < 0 ? fallback : (process.argv[at + 1] ?? fallback);
}

async function main(): Promise<void> {
  const runs = Number(argument('--runs', '6'));
  const worlds = argument('--worlds', '2,4,8,16').split(',').map(Number);
  const sizes = [1, 4];
  const rows: { worldSize: number; mebibytes: number; ring: number; ringP90: number; tcp: number }[] = [];
  for (const worldSize of worlds) {
    for (const mebibytes of sizes) {
      const ring = percentiles(await timeReduceCase({ method: 'ring', fp16: false, worldSize, mebibytes }, { runs, warmup: 1 }, 5 * 60_000));
      const tcp = percentiles(await timeReduceCase({ method: 'tcp-ring', fp16: false, worldSize, mebibytes }, { runs, warmup: 1 }, 5 * 60_000));
      rows.push({ worldSize, mebibytes, ring: ring.median, ringP90: ring.p90, tcp: tcp.median });
      console.log(`measured ${worldSize} processes, ${mebibytes} MiB: ring ${ring.median.toFixed(1)} ms (p90 ${ring.p90.toFixed(1)}), raw TCP ring ${tcp.median.toFixed(1)} ms`);
    }
  }
  const at = (worldSize: number, mebibytes: number) => rows.find((row) => row.worldSize === worldSize && row.mebibytes === mebibytes);
  const one = at(2, 1);
  const four = at(2, 4);
  if (one === undefined || four === undefined) throw new Error('The model is fitted to 2 processes: include 2 in --worlds.');
  const beta = (four.ring - one.ring) / 3; // ms per MiB
  const alpha = (one.ring - beta) / 2; // ms per latency term
  console.log(`\nα-β model fitted to the 2-process ring: α = ${alpha.toFixed(2)} ms per step, β = ${beta.toFixed(2)} ms per MiB (${(1000 / beta / 1024).toFixed(2)} GiB/s)`);
  console.log('ranks  MiB  ring p50 ms  ring p90 ms  model ms  ring/model  raw TCP ring p50 ms  ring/TCP');
  for (const row of rows) {
    const model = 2 * (row.worldSize - 1) * alpha + ((2 * (row.worldSize - 1)) / row.worldSize) * row.mebibytes * beta;
    console.log(
      `${String(row.worldSize).padStart(5)}  ${String(row.mebibytes).padStart(3)}  ${row.ring.toFixed(1).padStart(11)}  ${row.ringP90.toFixed(1).padStart(11)}  ${model.toFixed(1).padStart(8)}  ${(row.ring / model).toFixed(2).padStart(10)}  ${row.tcp.toFixed(1).padStart(19)}  ${(row.ring / row.tcp).toFixed(2).padStart(8)}`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
