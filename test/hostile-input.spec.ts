import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pack } from 'msgpackr';
import { Dealer, Push } from 'zeromq';
import { PROTOCOL_VERSION } from '@ganglion/comm';
import { freePort, GanglionProcess } from './support/ganglion-process';
import { onlyRunFolder, readMetrics } from './support/run-cli';

/** The protocol a live job speaks: malformed input must be refused for what is wrong with it, not for its version. */
const PROTOCOL = PROTOCOL_VERSION;

/** A message as frames, with the category it belongs to. */
interface Hostile {
  readonly category: string;
  readonly frames: Buffer[];
}

function f32(values: readonly number[]): Buffer {
  return Buffer.from(new Float32Array(values).buffer);
}

function grads(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'GRADS', protocol: PROTOCOL, generation: 0, step: 3, rank: 0, phase: 0, bucket: 0, bucketCount: 1,
    offset: 0, totalLength: 4, weight: 4, payload: { dtype: 'f32', lengths: [4] }, ...overrides,
  };
}

function ringChunk(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'RING_CHUNK', protocol: PROTOCOL, generation: 0, step: 3, rank: 0, phase: 0, bucket: 0, round: 0,
    chunk: 0, weightSum: 4, payload: { dtype: 'f32', lengths: [4] }, ...overrides,
  };
}

/** Ten variants of each category of malformed input; `valid` is a well-formed message of the target's own kind. */
function hostileMessages(valid: (overrides?: Record<string, unknown>) => Record<string, unknown>, impostor: boolean): Hostile[] {
  const out: Hostile[] = [];
  for (let i = 0; i < 10; i++) {
    const header = pack(valid({ step: i }));
    out.push({ category: 'garbage bytes', frames: [Buffer.from(Array.from({ length: 8 + i * 7 }, (_, j) => (j * 37 + i * 11 + 0xc1) & 0xff))] });
    out.push({ category: 'empty message', frames: [Buffer.alloc(0)] });
    out.push({ category: 'truncated msgpack', frames: [header.subarray(0, 1 + Math.floor((header.length * i) / 12)), f32([1, 2, 3, 4])] });
    out.push({ category: 'wrong types', frames: [pack([42, 'x', i, { type: valid().type, step: 'three' }][i % 4])] });
    out.push({ category: 'wrong types', frames: [pack(valid({ rank: 'zero', weight: 'heavy', step: -i - 1 })), f32([1, 2, 3, 4])] });
    out.push({ category: 'wrong frame sizes', frames: [header, f32([1, 2, 3].slice(0, i % 4))] });
    out.push({ category: 'wrong frame sizes', frames: [header, f32([1, 2, 3, 4]), f32([5, 6])] });
    out.push({ category: 'NaN/Inf values (bad frame)', frames: [pack(valid({ payload: { dtype: 'f32', lengths: [5] } })), f32([NaN, Infinity, -Infinity, NaN])] });
    out.push({ category: 'NaN/Inf values (bad weight)', frames: [pack(valid({ weight: Infinity, weightSum: NaN })), f32([NaN, NaN, Infinity, 1])] });
    out.push({ category: 'stale generation', frames: [pack(valid({ generation: -1 - i })), f32([1, 2, 3, 4])] });
    out.push({ category: 'unknown type', frames: [pack({ ...valid(), type: `EVIL_${i}` }), f32([1, 2, 3, 4])] });
    out.push({ category: 'huge declared sizes', frames: [pack(valid({ totalLength: 2 ** 31, payload: { dtype: 'f32', lengths: [2 ** 30 + i] } })), f32([1])] });
    out.push({ category: 'huge declared sizes', frames: [pack({ ...valid(), padding: 'x'.repeat((1 << 20) + i) })] });
    if (impostor) {
      // Well-formed gradients that claim a real rank, from a peer that is not a worker of the job.
      out.push({ category: 'impostor claiming a real rank', frames: [pack(valid({ rank: i % 2, step: i })), f32([NaN, Infinity, 1e30, -1e30])] });
    }
  }
  return out;
}

async function sendAll(socket: Dealer | Push, messages: readonly Hostile[]): Promise<Record<string, number>> {
  const sent: Record<string, number> = {};
  for (const message of messages) {
    await socket.send(message.frames);
    sent[message.category] = (sent[message.category] ?? 0) + 1;
  }
  return sent;
}

function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Metrics lines written so far by the one run under `out` (0 before it exists). */
function stepsWritten(out: string): number {
  try {
    return readMetrics(onlyRunFolder(out, 'fashion-vae')).length;
  } catch {
    return 0;
  }
}

function countMatching(lines: ReadonlyArray<Record<string, unknown>>, pattern: RegExp): number {
  return lines.filter((line) => pattern.test(String(line.msg ?? ''))).length;
}

/**
 * Hostile input against a live 2-worker job: malformed messages to the
 * coordinator's ROUTER and to a worker's ring socket while they train.
 */
describe('hostile input to a live job', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-hostile-'));
  });

  afterAll(() => {
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it('refuses every malformed message with a log line, stays up, and the job trains every step with matching weights', async () => {
    const endpoint = `tcp://127.0.0.1:${await freePort()}`;
    const out = path.join(outDir, 'run');
    const steps = 150;
    const coordinator = GanglionProcess.start([
      'coordinator', 'pipelines/fashion-vae.ts', '--bind', endpoint, '--workers', '2', '--steps', String(steps), '--batch-size', '8',
      '--sample-every', '0', '--log-every', '50', '--log-format', 'json', '--join-timeout', '240', '--out', out,
    ]);
    const workerArgs = ['worker', '--connect', endpoint, '--backend', 'wasm', '--log-format', 'json'];
    const workers = [GanglionProcess.start(workerArgs), GanglionProcess.start(workerArgs)];
    const dealer = new Dealer({ linger: 0, routingId: 'hostile-peer', sendHighWaterMark: 10_000 });
    const push = new Push({ linger: 0, sendHighWaterMark: 10_000 });
    try {
      await workers[0].waitForOutput(/ring socket bound at tcp:/, 120_000);
      const ringEndpoint = (/ring socket bound at (tcp:\/\/[^"\s]+)/.exec(workers[0].output) as RegExpExecArray)[1];
      // Send once training is under way: the first steps' metrics are written.
      await Promise.all(workers.map((w) => w.waitForOutput(/rank [01] of 2/, 240_000)));
      await waitFor(() => stepsWritten(out) >= 3 || !coordinator.running, 240_000);
      expect(stepsWritten(out)).toBeGreaterThanOrEqual(3);
      expect(stepsWritten(out)).toBeLessThan(steps);

      dealer.connect(endpoint);
      push.connect(ringEndpoint);
      const toCoordinator = hostileMessages(grads, true);
      const toWorker = hostileMessages(ringChunk, false);
      const sentToCoordinator = await sendAll(dealer, toCoordinator);
      const sentToWorker = await sendAll(push, toWorker);
      expect(toCoordinator.length).toBeGreaterThanOrEqual(100);
      expect(toWorker.length).toBeGreaterThanOrEqual(100);

      // Every message is refused with a log line, while training goes on.
      const coordinatorRefusals = /refused (a message|GRADS claiming rank \d|[A-Z_]+) from "hostile-peer"/;
      await waitFor(() => countMatching(jsonLines(coordinator.output), coordinatorRefusals) >= toCoordinator.length || !coordinator.running);
      await waitFor(() => countMatching(jsonLines(workers[0].output), /refused a ring message/) >= toWorker.length || !workers[0].running);
      expect(coordinator.running).toBe(true);
      expect(workers.every((w) => w.running)).toBe(true);

      const codes = await Promise.all([coordinator.exit(240_000), ...workers.map((w) => w.exit(240_000))]);
      if (codes.some((code) => code !== 0)) {
        throw new Error(`exit codes ${codes.join(', ')}:\n${coordinator.output}\n----\n${workers.map((w) => w.output).join('\n----\n')}`);
      }
      const coordinatorLines = jsonLines(coordinator.output);
      const workerLines = jsonLines(workers[0].output);
      const refusedByCoordinator = countMatching(coordinatorLines, coordinatorRefusals);
      const strangers = countMatching(coordinatorLines, /refused GRADS claiming rank \d from "hostile-peer": it is not a worker of this job/);
      const refusedByWorker = countMatching(workerLines, /refused a ring message/);
      expect(refusedByCoordinator).toBe(toCoordinator.length);
      expect(strangers).toBeGreaterThanOrEqual(sentToCoordinator['impostor claiming a real rank']);
      expect(refusedByWorker).toBe(toWorker.length);
      // Each refusal names what was wrong: every category shows up under its own code.
      const byCode = (lines: ReadonlyArray<Record<string, unknown>>, pattern: RegExp) =>
        lines
          .filter((line) => pattern.test(String(line.msg ?? '')))
          .reduce<Record<string, number>>((counts, line) => {
            const code = String(line.code ?? 'not-a-worker');
            counts[code] = (counts[code] ?? 0) + 1;
            return counts;
          }, {});
      const coordinatorCodes = byCode(coordinatorLines, coordinatorRefusals);
      const workerCodes = byCode(workerLines, /refused a ring message/);
      const decodeCodes = ['malformed-header', 'empty-message', 'invalid-header', 'frame-size-mismatch', 'frame-count-mismatch', 'unknown-type', 'too-large'];
      expect(Object.keys(coordinatorCodes)).toEqual(expect.arrayContaining([...decodeCodes, 'not-a-worker']));
      expect(Object.keys(workerCodes)).toEqual(expect.arrayContaining(decodeCodes));
      process.stdout.write(
        `hostile input: sent to the coordinator ${JSON.stringify(sentToCoordinator)}, refused ${JSON.stringify(coordinatorCodes)}; ` +
          `sent to worker 0's ring ${JSON.stringify(sentToWorker)}, refused ${JSON.stringify(workerCodes)}\n`,
      );

      expect(coordinator.stdout).toContain(`Trained ${steps} steps with 2 workers`);
      expect(coordinator.stdout).toContain('Weights identical on all 2 ranks');
      const metrics = readMetrics(onlyRunFolder(out, 'fashion-vae'));
      expect(metrics.map((m) => m.step)).toEqual([...Array(steps).keys()]);
      expect(metrics.every((m) => Number.isFinite(m.losses.vae))).toBe(true);
    } finally {
      dealer.close();
      push.close();
      coordinator.kill();
      for (const worker of workers) worker.kill();
    }
  });
});
