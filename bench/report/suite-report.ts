import { describeMachine } from './machine-info';
import type { SuiteResults } from './suite-results';
import { verdict } from './target-checks';
import { formatStats, textTable } from './text-table';

/** The suite's results as the plain-text tables it prints (every figure min / median / max). */
export function suiteReport(results: SuiteResults): string {
  const sections: string[] = [];
  sections.push(
    `Ganglion benchmarks (${results.mode}), ${results.startedAt}, ${results.durationSeconds.toFixed(0)} s\n` +
      `${describeMachine(results.machine)}\n` +
      `commit ${results.source.commit?.slice(0, 12) ?? 'unknown'}${results.source.uncommittedChanges ? ' with uncommitted changes' : ''}, ` +
      `load average at end ${results.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' ')}`,
  );

  sections.push(
    '1. ms per training step, one process, batch 64, one thread (min / median / max)\n' +
      textTable(
        ['model', 'backend', 'params', 'steps', 'ms/step (wall)', 'CPU ms/step', 'peak RSS MiB'],
        results.stepTimes.map((row) => [
          row.label,
          row.backend,
          row.parameterCount.toLocaleString('en-US'),
          String(row.stepMs.count),
          formatStats(row.stepMs),
          formatStats(row.cpuMs),
          row.peakRssMiB.toFixed(0),
        ]),
      ),
  );

  sections.push(
    '2. framework overhead: bare tfjs loop vs Ganglion 1-worker Trainer, interleaved in one process (WASM)\n' +
      textTable(
        ['model', 'pairs', 'bare ms/step', 'Trainer ms/step', 'overhead % per pair', '% of medians', '% of mins', 'CPU-time % per pair'],
        results.overhead.map((row) => [
          row.label,
          String(row.bareMs.count),
          formatStats(row.bareMs),
          formatStats(row.trainerMs),
          formatStats(row.overheadPercent),
          row.overheadOfMediansPercent.toFixed(1),
          row.overheadOfMinsPercent.toFixed(1),
          formatStats(row.cpuOverheadPercent),
        ]),
      ) +
      '\n\nthe framework alone: the same Trainer driving a no-op model (same phases, batch and image shape)\n' +
      textTable(
        ['model', 'steps', 'framework ms/step', 'mean ms', '% of bare median step'],
        results.overhead.map((row) => [
          row.label,
          String(row.frameworkMs.count),
          formatStats(row.frameworkMs, 3),
          row.frameworkMeanMs.toFixed(3),
          row.frameworkPercent.toFixed(2),
        ]),
      ),
  );

  sections.push(
    '3. allreduce, one process per rank (ms, min / median / max, and p90; x TCP = median over raw TCP in the same pattern (that of the ring: its 2(N-1) rounds); x stream = median of a ring row over raw TCP streaming the same bytes with no rounds; the ring rows alternate call by call in the same processes, the star rows take turns over rounds)\n' +
      textTable(
        ['ranks', 'MiB', 'method', 'ms', 'p90', 'x TCP', 'x stream', 'GiB/s of vector'],
        results.reducers.map((row) => [
          String(row.worldSize),
          String(row.mebibytes),
          row.label,
          formatStats(row.ms, 2),
          row.ms.p90.toFixed(2),
          Number.isNaN(row.timesCeiling) ? '—' : row.timesCeiling.toFixed(2),
          Number.isNaN(row.timesStream) ? '—' : row.timesStream.toFixed(2),
          (row.mebibytes / 1024 / (row.ms.median / 1000)).toFixed(2),
        ]),
      ),
  );

  sections.push(
    '4. throughput through `ganglion launch` (samples/s, min / median / max)\n' +
      (results.launchAvailable
        ? textTable(
            ['model', 'reducer', '1 worker', '2 workers', 'scaling efficiency', 'reduce ms/step, 2 workers'],
            results.throughput.map((row) => [
              row.label,
              row.reducer,
              formatStats(row.oneWorker, 0),
              formatStats(row.twoWorkers, 0),
              row.scalingEfficiency.toFixed(3),
              row.twoWorkersReduceMs === undefined ? '—' : formatStats(row.twoWorkersReduceMs),
            ]),
          )
        : 'skipped: launch not available yet'),
  );

  if (results.wasmThreads !== undefined) {
    sections.push(
      '5. WASM threads (--threads): bare training steps in one process, batch 64 (ms, min / median / max; child processes alternated)\n' +
        textTable(
          ['model', 'threads', 'steps', 'ms/step (wall)', 'CPU ms/step (all threads)', 'speed-up of medians'],
          results.wasmThreads.map((row) => [
            row.label,
            String(row.threads),
            String(row.stepMs.count),
            formatStats(row.stepMs),
            formatStats(row.cpuMs),
            row.speedup.toFixed(2),
          ]),
        ),
    );
  }

  if (results.skipped.length > 0) {
    sections.push('skipped\n' + results.skipped.map((s) => `- ${s.what}: ${s.why}`).join('\n'));
  }

  sections.push(
    'targets (issues 5 and 10)\n' +
      textTable(
        ['target', 'measured', 'verdict'],
        results.targets.map((check) => [check.target, check.measured, verdict(check)]),
      ),
  );
  return sections.join('\n\n') + '\n';
}
