import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What `ganglion launch` offers on this checkout. */
export interface LaunchCommand {
  readonly available: boolean;
  /** The flags `ganglion launch --help` lists, e.g. `--reducer`. */
  readonly flags: ReadonlySet<string>;
}

/** Options of one `ganglion launch` run. */
export interface LaunchRun {
  readonly pipeline: string;
  readonly workers: number;
  readonly steps: number;
  /** `ring` or `star`, passed only when launch has a --reducer flag. */
  readonly reducer?: string;
  /** Folder that receives runs/<name>/<timestamp>/ (when launch has --out). */
  readonly outDir: string;
  readonly timeoutMs: number;
  /** Global batch size (--batch-size), e.g. 64 per worker for weak scaling. Default: the pipeline's. */
  readonly batchSize?: number;
  /** Told the last 3000 characters of the run's output once it succeeded (e.g. its closing summary). */
  readonly onOutput?: (tail: string) => void;
  /** Further flags, e.g. `['--step-window', '1']`. */
  readonly extraArgs?: readonly string[];
}

/** A 2-worker run's closing summary: its median step time and the coordinator's CPU per step, or undefined when the line is missing. */
export function coordinatorCpuOf(tail: string): { readonly medianStepMs: number; readonly cpuMsPerStep: number } | undefined {
  const match = /(\d+(?:\.\d+)?) ms\/step \(median\), reduce [\d.]+ ms\/step, coordinator CPU (\d+(?:\.\d+)?) ms\/step/.exec(tail);
  return match === null ? undefined : { medianStepMs: Number(match[1]), cpuMsPerStep: Number(match[2]) };
}

/** Asks the CLI whether it has a `launch` command, and which flags it takes. */
export function probeLaunch(repoRoot: string): LaunchCommand {
  const cli = join(repoRoot, 'bin', 'ganglion.js');
  const help = spawnSync(process.execPath, [cli, '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  if (!/^\s+launch\b/m.test(`${help.stdout}`)) return { available: false, flags: new Set() };
  const launchHelp = spawnSync(process.execPath, [cli, 'launch', '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  return { available: true, flags: new Set(`${launchHelp.stdout}`.match(/--[a-z][a-z0-9-]*/g) ?? []) };
}

/**
 * Runs `node bin/ganglion.js launch <pipeline> --workers N --steps S` (with
 * --out, --sample-every 0, --backend wasm and --reducer where launch has
 * them) and resolves with the metrics.jsonl files the run wrote.
 */
export function runLaunch(repoRoot: string, command: LaunchCommand, run: LaunchRun): Promise<string[]> {
  const args = [join(repoRoot, 'bin', 'ganglion.js'), 'launch', run.pipeline, '--workers', String(run.workers), '--steps', String(run.steps)];
  if (command.flags.has('--out')) args.push('--out', run.outDir);
  if (command.flags.has('--sample-every')) args.push('--sample-every', '0');
  if (command.flags.has('--backend')) args.push('--backend', 'wasm');
  if (run.reducer !== undefined && command.flags.has('--reducer')) args.push('--reducer', run.reducer);
  if (run.batchSize !== undefined) args.push('--batch-size', String(run.batchSize));
  args.push(...(run.extraArgs ?? []));
  const searchRoot = command.flags.has('--out') ? run.outDir : join(repoRoot, 'runs');
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so that a timeout ends the workers it started too.
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-3000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, run.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`ganglion launch ${args.slice(2).join(' ')} ended with ${signal ?? `code ${code}`}:\n${output}`));
        return;
      }
      run.onOutput?.(output);
      const files = findMetricsFiles(searchRoot, started);
      if (files.length === 0) reject(new Error(`ganglion launch wrote no metrics.jsonl under ${searchRoot}.`));
      else resolve(files);
    });
  });
}

/** metrics.jsonl files under `root` written since `sinceMs`, in path order. */
export function findMetricsFiles(root: string, sinceMs: number): string[] {
  if (!existsSync(root)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name === 'metrics.jsonl' && statSync(path).mtimeMs >= sinceMs) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

/** Per-step figures of a run, read from its metrics.jsonl. */
export interface LaunchStepMetrics {
  readonly samplesPerSecond: number[];
  /** Rank 0's wall time of each step (ms): from the end of the step before to the end of this one. */
  readonly stepMs: number[];
  /** Milliseconds spent reducing gradients per step (present with more than one worker). */
  readonly reduceMs: number[];
}

/** Reads samples/s and reduce time of each step from a metrics.jsonl, leaving out steps before `fromStep` (warm-up). */
export function readStepMetrics(file: string, fromStep: number): LaunchStepMetrics {
  const samplesPerSecond: number[] = [];
  const stepMs: number[] = [];
  const reduceMs: number[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { step?: unknown; samplesPerSecond?: unknown; stepMs?: unknown; reduceMs?: unknown };
    if (typeof record.step !== 'number' || record.step < fromStep) continue;
    if (typeof record.samplesPerSecond === 'number' && typeof record.stepMs === 'number') {
      samplesPerSecond.push(record.samplesPerSecond);
      stepMs.push(record.stepMs);
    }
    if (typeof record.reduceMs === 'number') reduceMs.push(record.reduceMs);
  }
  return { samplesPerSecond, stepMs, reduceMs };
}

/**
 * Samples/s over the wall time of the steps read, as the DDP anchor
 * measures itself (samples of the timed steps / their wall time): every
 * slow step counts, where a median of per-step rates would hide them.
 */
export function wallTimeSamplesPerSecond(metrics: LaunchStepMetrics): number {
  let samples = 0;
  let ms = 0;
  metrics.stepMs.forEach((stepMs, i) => {
    samples += (metrics.samplesPerSecond[i] * stepMs) / 1000;
    ms += stepMs;
  });
  if (ms <= 0) throw new Error('wallTimeSamplesPerSecond: no timed steps were read (is the warm-up longer than the run?).');
  return (1000 * samples) / ms;
}
