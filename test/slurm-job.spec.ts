import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyCheckpoint } from '@ganglion/pipeline';
import { freePort } from './support/ganglion-process';
import { REPO_ROOT } from './support/repo-root';
import { SlurmJobs, slurmAvailability } from './support/slurm-cluster';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * deploy/slurm/ganglion.sbatch through a real Slurm (slurmctld + slurmd on
 * this machine; `.ci/start-slurm.sh` brings them up and CI sets
 * GANGLION_EXPECT_SLURM=1). Two tasks on one node: task 0 coordinates and
 * trains, task 1 trains. An uninterrupted job; then the same job cancelled
 * with `scancel` after a checkpoint and resubmitted with `--resume`, which
 * must end with the same weights.
 */
const slurm = slurmAvailability();
const expected = process.env.GANGLION_EXPECT_SLURM === '1';
const STEPS = 120;
const TRAINING = ['--steps', String(STEPS), '--batch-size', '16', '--sample-every', '0', '--log-every', '30', '--checksum-every', '30'];
const CHECKPOINTS = ['--checkpoint-every', '10', '--keep-checkpoints', '20'];

describe('a real Slurm cluster', () => {
  it('is up where CI expects one (GANGLION_EXPECT_SLURM=1)', () => {
    if (!expected && !slurm.up) console.warn(`Skipping the Slurm job tests: ${slurm.detail}. Run .ci/start-slurm.sh (as root) to bring up a single-node cluster.`);
    if (expected) expect(slurm).toMatchObject({ up: true });
  });
});

(slurm.up ? describe : describe.skip)('deploy/slurm/ganglion.sbatch, 2 tasks on a real Slurm', () => {
  const jobs = new SlurmJobs();
  const submitted: string[] = [];
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-slurm-'));
  });

  afterAll(() => {
    for (const id of submitted) jobs.cancel(id);
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  async function submit(name: string, args: readonly string[]): Promise<{ id: string; output: string }> {
    const port = await freePort();
    const output = path.join(outDir, `${name}-%j.out`);
    const id = jobs.submit(
      path.join(REPO_ROOT, 'deploy/slurm/ganglion.sbatch'),
      ['--nodes=1', '--ntasks=2', '--ntasks-per-node=2', '--cpus-per-task=1', `--output=${output}`, `--job-name=ganglion-test-${name}`],
      ['pipelines/fashion-vae.ts', '--backend', 'wasm', '--bind-host', '127.0.0.1', '--advertise-host', '127.0.0.1', '--log-format', 'json', ...args],
      REPO_ROOT,
      { ...process.env, GANGLION_BIN: path.join(REPO_ROOT, 'bin/ganglion.js'), GANGLION_OUT: path.join(outDir, name), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) },
    );
    submitted.push(id);
    return { id, output: output.replace('%j', id) };
  }

  function runFolder(name: string): string {
    const runs = path.join(outDir, name, 'fashion-vae');
    const [only, ...more] = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
    if (only === undefined || more.length > 0) throw new Error(`expected one run under ${runs}`);
    return path.join(runs, only);
  }

  function checkpointSteps(name: string): number[] {
    const folder = path.join(outDir, name, 'fashion-vae');
    if (!fs.existsSync(folder)) return [];
    const checkpoints = path.join(runFolder(name), 'checkpoints');
    if (!fs.existsSync(checkpoints)) return [];
    return fs
      .readdirSync(checkpoints)
      .filter((entry) => entry.startsWith('step-'))
      .map((entry) => Number(entry.slice(5)));
  }

  function describeJob(id: string, output: string): string {
    return `job ${id}, ${output}:\n${fs.existsSync(output) ? fs.readFileSync(output, 'utf8').slice(-4000) : '(no output file)'}`;
  }

  it('trains with 2 tasks to matching checksums; scancel keeps the last checkpoint; --resume ends with the same weights', async () => {
    // 1. Uninterrupted.
    const straight = await submit('straight', TRAINING);
    const done = await jobs.finished(straight.id, 240_000);
    const text = fs.readFileSync(straight.output, 'utf8');
    if (done.state !== 'COMPLETED') throw new Error(`expected COMPLETED, got ${done.state} ${done.exitCode}; ${describeJob(straight.id, straight.output)}`);
    expect(text).toMatch(/Process 1 of 2 \(slurm\): worker rank \d trained 120 steps\./);
    expect(text).toMatch(/Trained 120 steps with 2 workers/);
    expect(text).toMatch(/Weights identical on all 2 ranks: checksums matched at \d+ steps/);
    console.log(`Slurm job ${straight.id} (${done.state}, exit ${done.exitCode}):\n${summaryLines(text)}`);

    // 2. Cancelled after its second checkpoint.
    const cancelled = await submit('resumed', [...TRAINING, ...CHECKPOINTS]);
    await jobs.until(cancelled.id, 'a second checkpoint', () => checkpointSteps('resumed').length >= 2, 180_000);
    jobs.cancel(cancelled.id);
    const stopped = await jobs.finished(cancelled.id, 60_000);
    expect(stopped.state).toMatch(/^CANCELLED/);
    const kept = checkpointSteps('resumed').sort((a, b) => a - b);
    const last = kept.at(-1) as number;
    expect(last).toBeLessThan(STEPS);
    expect(verifyCheckpoint(path.join(runFolder('resumed'), 'checkpoints', `step-${String(last).padStart(6, '0')}`)).state.step).toBe(last);
    expect(fs.readdirSync(path.join(runFolder('resumed'), 'checkpoints')).filter((entry) => entry.endsWith('.tmp'))).toEqual([]);
    console.log(`Slurm job ${cancelled.id}: scancel after checkpoints ${kept.join(', ')} -> ${stopped.state} (exit ${stopped.exitCode})`);

    // 3. Resubmitted with --resume: on from the last checkpoint, in the same run folder.
    const resumed = await submit('resumed', [...TRAINING, ...CHECKPOINTS, '--resume']);
    const finished = await jobs.finished(resumed.id, 240_000);
    const resumedText = fs.readFileSync(resumed.output, 'utf8');
    if (finished.state !== 'COMPLETED') throw new Error(`expected COMPLETED, got ${finished.state}; ${describeJob(resumed.id, resumed.output)}`);
    expect(resumedText).toMatch(new RegExp(`resuming from \\S+step-${String(last).padStart(6, '0')} at step ${last} of ${STEPS}`));
    expect(resumedText).toMatch(/Weights identical on all 2 ranks/);
    const difference = finalWeightsDifference(runFolder('straight'), runFolder('resumed'));
    expect(difference.tensors).toBeGreaterThan(4);
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-6);
    console.log(`Slurm job ${resumed.id} (--resume from step ${last}): ${finished.state}; final weights vs job ${straight.id}: max relative difference ${difference.maxRelative}`);
  });
});

/** The lines of a job's output a person reads: each task's closing line and the coordinator's summary. */
function summaryLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => /^(Process \d|Trained|Weights identical|Loss at)/.test(line) || /"checksum":|joined/.test(line))
    .slice(0, 12)
    .join('\n');
}
