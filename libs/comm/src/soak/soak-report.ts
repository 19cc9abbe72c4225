import type { SoakRankRecord } from './soak-ipc';
import type { SoakCall } from './soak-plan';

/** Time of one size class: the slowest rank's time of each call, ms. */
export interface SoakSizeRow {
  readonly size: string;
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface SoakReport {
  /** Calls every rank of their world finished. */
  readonly count: number;
  /** Calls whose result was off the float64 reference by more than the tolerance on some rank, or differed between ranks. */
  readonly wrong: readonly string[];
  /** Rank failures, reduce timeouts (stalls) and killed worlds. */
  readonly failures: readonly string[];
  readonly seconds: number;
  readonly bySize: readonly SoakSizeRow[];
  /** Largest error / tolerance over all calls, for f32 and fp16 calls. */
  readonly worstErrorShare: { readonly f32: number; readonly f16: number };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** Folds every rank's records into calls and summarises them. */
export function soakReport(
  plan: readonly SoakCall[],
  worlds: readonly { worldSize: number; records: readonly SoakRankRecord[]; failures: readonly string[] }[],
  seconds: number,
  sizeOrder: readonly string[],
): SoakReport {
  const wrong: string[] = [];
  const times = new Map<string, number[]>();
  const worst = { f32: 0, f16: 0 };
  let count = 0;
  for (const world of worlds) {
    const byCall = new Map<number, SoakRankRecord[]>();
    for (const record of world.records) byCall.set(record.index, [...(byCall.get(record.index) ?? []), record]);
    for (const [index, records] of byCall) {
      if (records.length !== world.worldSize) continue; // cut short by a failure, reported there
      const call = plan[index];
      count += 1;
      const label = `call ${index} (world ${world.worldSize}, ${call.strategy}, ${call.curve ? 'CURVE' : 'plain'}, ${call.fp16 ? 'fp16' : 'f32'}, ${call.size})`;
      for (const record of records) {
        const share = record.tolerance === 0 ? (record.maxError === 0 ? 0 : Infinity) : record.maxError / record.tolerance;
        const key = call.fp16 ? 'f16' : 'f32';
        worst[key] = Math.max(worst[key], share);
        if (!(record.maxError <= record.tolerance)) wrong.push(`${label}: rank ${record.rank} off by ${record.maxError} (tolerance ${record.tolerance})`);
      }
      if (new Set(records.map((record) => record.fingerprint)).size > 1) wrong.push(`${label}: the ranks hold different bytes`);
      const slowest = Math.max(...records.map((record) => record.ms));
      times.set(call.size, [...(times.get(call.size) ?? []), slowest]);
    }
  }
  const bySize = sizeOrder
    .filter((size) => times.has(size))
    .map((size) => {
      const sorted = [...(times.get(size) ?? [])].sort((a, b) => a - b);
      return { size, count: sorted.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] };
    });
  return { count, wrong, failures: worlds.flatMap((world) => world.failures), seconds, bySize, worstErrorShare: worst };
}

/** The report as the table `npm run soak` prints. */
export function formatSoakReport(report: SoakReport): string {
  const lines = [
    `allreduces: ${report.count}, duration: ${report.seconds.toFixed(1)} s, stalls/failures: ${report.failures.length}, wrong results: ${report.wrong.length}`,
    `worst error / tolerance: f32 ${report.worstErrorShare.f32.toFixed(3)}, fp16 ${report.worstErrorShare.f16.toFixed(3)}`,
    'size      calls   p50 ms   p99 ms   max ms',
    ...report.bySize.map((row) => `${row.size.padEnd(8)} ${String(row.count).padStart(6)} ${row.p50.toFixed(1).padStart(8)} ${row.p99.toFixed(1).padStart(8)} ${row.max.toFixed(1).padStart(8)}`),
    ...report.failures.slice(0, 20).map((failure) => `FAILURE ${failure}`),
    ...report.wrong.slice(0, 20).map((wrong) => `WRONG ${wrong}`),
  ];
  return lines.join('\n');
}
