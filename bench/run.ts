/**
 * Ganglion's benchmark suite (issue 5). `npm run bench` runs it in full
 * (about 10-15 minutes on 2 cores); `npm run bench -- --quick` in under 2.
 * Prints the machine, then a table per section, every figure as
 * min / median / max, and writes bench/results/<date-time>.json.
 *
 *   npm run bench [-- --quick] [-- --only models,reduce,throughput,threads]
 *
 * Sections: models (ms/step per model and backend, peak RSS, and the
 * framework overhead against a bare tfjs loop), reduce (allreduce against
 * raw TCP), throughput (`ganglion launch` with 1 and 2 workers), and,
 * only when named with --only, threads (ConvVAE and DCGAN steps with 1 and
 * 2 WASM threads in one process: for machines with more cores than
 * workers; left out by default, as the targets are 1-thread figures), and,
 * also only when named, weak-scaling (64 images per worker, 1 and 2
 * workers, `ganglion launch` interleaved with PyTorch DDP's anchor over
 * several rounds: both efficiencies side by side, and the coordinator's
 * CPU per step; needs /usr/bin/python3 with torch), and, also only when
 * named, coordinator-cpu (the coordinator's CPU per step at steady state,
 * 400-step ConvVAE runs by --step-window, issue 10's 2% target). Every measurement
 * runs in child processes started one at a time.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describeMachine, machineInfo } from './report/machine-info';
import { runModelSection, type ModelSectionResult } from './models/model-section';
import { runReduceSection, type ReduceSectionResult } from './reduce/reduce-section';
import { FULL_SETTINGS, QUICK_SETTINGS } from './harness/suite-settings';
import type { SuiteResults } from './report/suite-results';
import { suiteReport } from './report/suite-report';
import { checkTargets } from './report/target-checks';
import { sourceVersion } from './report/source-version';
import { runThreadsSection, type ThreadsSectionResult } from './models/threads-section';
import { runThroughputSection, type ThroughputSectionResult } from './launch/throughput-section';
import { TimeBudget } from './harness/time-budget';
import { runWeakScalingSection, weakScalingTable, type WeakScalingSectionResult } from './launch/weak-scaling-section';
import { coordinatorCpuTable, runCoordinatorCpuSection, type CoordinatorCpuSectionResult } from './launch/coordinator-cpu-section';

const SECTIONS = ['models', 'reduce', 'throughput', 'threads', 'weak-scaling', 'coordinator-cpu'] as const;
type Section = (typeof SECTIONS)[number];
/** Sections run when --only names none: threads, weak-scaling and coordinator-cpu are opt-in. */
const DEFAULT_SECTIONS: readonly Section[] = ['models', 'reduce', 'throughput'];

interface Arguments {
  readonly quick: boolean;
  readonly sections: ReadonlySet<Section>;
}

function parseArguments(argv: readonly string[]): Arguments {
  let quick = false;
  let sections = new Set<Section>(DEFAULT_SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--only') {
      const names = (argv[++i] ?? '').split(',').filter((name) => name !== '');
      const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only takes a comma-separated list of ${SECTIONS.join(', ')}; got "${argv[i] ?? ''}".`);
      }
      sections = new Set(names as Section[]);
    } else if (arg === '--help' || arg === '-h') {
      console.log('Usage: npm run bench [-- --quick] [-- --only models,reduce,throughput,threads,weak-scaling,coordinator-cpu]  (threads, weak-scaling and coordinator-cpu run only when named)');
      process.exit(0);
    } else {
      throw new Error(`Unknown argument "${arg}". Use --quick and/or --only ${SECTIONS.join(',')}.`);
    }
  }
  return { quick, sections };
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const settings = args.quick ? QUICK_SETTINGS : FULL_SETTINGS;
  const repoRoot = resolve(__dirname, '..');
  const startedAt = new Date();
  const budget = new TimeBudget(settings.budgetSeconds);
  const machine = machineInfo();
  const source = sourceVersion(repoRoot);
  console.log(`Ganglion benchmarks (${settings.mode}) on ${describeMachine(machine)}`);
  const progress = (line: string) => console.log(`  [${budget.elapsedSeconds().toFixed(0).padStart(4)} s] ${line}`);

  const none = { stepTimes: [], overhead: [], skipped: [] };
  const models: ModelSectionResult = args.sections.has('models') ? await runModelSection(settings, budget, progress) : none;
  const reduce: ReduceSectionResult = args.sections.has('reduce') ? await runReduceSection(settings, budget, progress) : { rows: [], skipped: [] };
  const throughput: ThroughputSectionResult = args.sections.has('throughput')
    ? await runThroughputSection(settings, repoRoot, budget, progress)
    : { launchAvailable: false, rows: [], skipped: [] };
  const threads: ThreadsSectionResult = args.sections.has('threads') ? await runThreadsSection(settings, budget, progress) : { rows: [], skipped: [] };
  const weak: WeakScalingSectionResult = args.sections.has('weak-scaling')
    ? await runWeakScalingSection(settings.weakScaling, repoRoot, new TimeBudget(settings.weakScaling.budgetSeconds), progress)
    : { rows: [], skipped: [] };
  const coordinatorCpu: CoordinatorCpuSectionResult = args.sections.has('coordinator-cpu')
    ? await runCoordinatorCpuSection(settings.coordinatorCpu, repoRoot, new TimeBudget(settings.coordinatorCpu.budgetSeconds), progress)
    : { rows: [], skipped: [] };

  const figures = {
    stepTimes: models.stepTimes,
    overhead: models.overhead,
    reducers: reduce.rows,
    throughput: throughput.rows,
    launchAvailable: throughput.launchAvailable,
    coordinatorCpu: coordinatorCpu.rows,
  };
  const results: SuiteResults = {
    mode: settings.mode,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt: startedAt.toISOString(),
    durationSeconds: budget.elapsedSeconds(),
    machine,
    source,
    loadAverageAtEnd: loadavg(),
    ...figures,
    ...(args.sections.has('threads') ? { wasmThreads: threads.rows } : {}),
    ...(args.sections.has('weak-scaling') ? { weakScaling: weak.rows } : {}),
    skipped: [...models.skipped, ...reduce.skipped, ...throughput.skipped, ...threads.skipped, ...weak.skipped, ...coordinatorCpu.skipped],
    targets: checkTargets(figures),
  };
  console.log('\n' + suiteReport(results));
  if (weak.rows.length > 0) {
    console.log(`\nWeak scaling against PyTorch DDP (64 images per worker, 1 -> 2 workers, the same warm-up and timed steps for both; efficiency = sps(2) / (2 sps(1)) per round, over the timed steps' wall time and from the median step; ring reducer):\n${weakScalingTable(weak.rows)}`);
  }
  if (coordinatorCpu.rows.length > 0) {
    console.log(`\nThe coordinator's CPU per step at steady state (ConvVAE, 2 workers x 64, ring, ${settings.coordinatorCpu.steps} steps per run; min / median / max over the runs):\n${coordinatorCpuTable(coordinatorCpu.rows)}`);
  }
  const folder = join(repoRoot, 'bench', 'results');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${startedAt.toISOString().replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`results: ${relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
