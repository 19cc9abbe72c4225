/**
 * One rank of the soak, in its own process (started by SoakRunner). It
 * joins a plain and a CURVE coordinator in the runner, binds a plain and a
 * CURVE ring, builds the four reducers (ring and star, each with and
 * without CURVE) with randomly delayed sends, runs its slice of the plan,
 * checks every result against the float64 reference, and reports each call.
 * It closes everything right after its last call, as a worker does at the
 * end of a job (the case that used to stall the ring).
 */
import { performance } from 'node:perf_hooks';
import { isEnvelopeOf } from '../protocol/message-codec';
import type { WelcomeHeader } from '../protocol/messages';
import { membershipFromWelcome, type GradientReducer } from '../reduce/gradient-reducer';
import { RingReducer } from '../reduce/ring-reducer';
import { RingTransport } from '../reduce/ring-transport';
import { StarReducer } from '../reduce/star-reducer';
import { WorkerSocket } from '../transport/worker-socket';
import { withRingSendDelays, withStarSendDelays, type SendDelayOptions } from './delayed-sends';
import type { SoakRankMessage, SoakRankRecord, SoakRankRequest } from './soak-ipc';
import { buildSoakPlan, DEFAULT_SOAK_SIZES, seededRandom, SHORT_SOAK_SIZES } from './soak-plan';
import { resultFingerprint, rankShares, SoakPatterns } from './soak-vectors';
import { atomicMarkingForLargeMessages } from '../transport/large-message-gc';

function tell(message: SoakRankMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, () => resolve());
  });
}

async function welcomeOf(socket: WorkerSocket): Promise<WelcomeHeader> {
  const received = await socket.receive({ timeoutMs: 120_000 });
  if (!received.ok || !isEnvelopeOf(received.envelope, 'WELCOME')) {
    throw new Error(`${socket.workerId} expected WELCOME, got ${received.ok ? received.envelope.header.type : received.error.message}`);
  }
  return received.envelope.header;
}

async function main(request: SoakRankRequest): Promise<void> {
  atomicMarkingForLargeMessages(); // as a worker process does
  const { workerId, keyPair } = request;
  const plainRing = await RingTransport.bind();
  const curveRing = await RingTransport.bind({ curve: { keyPair } });
  const plain = WorkerSocket.connect({ endpoint: request.plainEndpoint, workerId });
  const curve = WorkerSocket.connect({ endpoint: request.curveEndpoint, workerId, curve: { keyPair, serverKey: request.serverKey } });
  const hello = { type: 'HELLO' as const, generation: 0, step: 0, workerId, host: 'localhost', pid: process.pid, backend: 'none', devices: [], pipelineHash: 'soak' };
  await plain.send({ ...hello, ringEndpoint: plainRing.endpoint });
  await curve.send({ ...hello, ringEndpoint: curveRing.endpoint, curvePublicKey: keyPair.publicKey });
  const [plainWelcome, curveWelcome] = await Promise.all([welcomeOf(plain), welcomeOf(curve)]);
  const rank = plainWelcome.rank;
  if (curveWelcome.rank !== rank) throw new Error(`${workerId} got rank ${rank} from one coordinator and ${curveWelcome.rank} from the other.`);

  const random = seededRandom(request.planSeed ^ (rank * 0x9e3779b1));
  // In a world's closing call rank 0 holds its forwards (rounds >= 1) back, so the neighbour's chunks are all in
  // when its own last forward leaves: its call ends moments after that forward was queued, and it closes at once.
  // (A race, not a certainty: RingTransport's drain spec is the deterministic regression test.)
  let closingCall = false;
  const delays: SendDelayOptions = { ...request.delay, random, holdRing: (round) => (closingCall && rank === 0 && round >= 1 ? 300 : 0) };
  const options = { timeoutMs: request.timeoutMs };
  const reducers: Record<string, { reducer: GradientReducer; welcome: WelcomeHeader }> = {
    'ring/plain': { reducer: new RingReducer(withRingSendDelays(plainRing, delays), options), welcome: plainWelcome },
    'ring/curve': { reducer: new RingReducer(withRingSendDelays(curveRing, delays), options), welcome: curveWelcome },
    'star/plain': { reducer: new StarReducer(withStarSendDelays(plain, delays), options), welcome: plainWelcome },
    'star/curve': { reducer: new StarReducer(withStarSendDelays(curve, delays), options), welcome: curveWelcome },
  };
  for (const { reducer, welcome } of Object.values(reducers)) {
    const membership = membershipFromWelcome(welcome);
    await reducer.configure(reducer.name === 'star' ? { ...membership, peers: [], peerKeys: undefined } : membership);
  }

  const plan = buildSoakPlan({ calls: request.planCalls, seed: request.planSeed, sizes: request.sizes === 'short' ? SHORT_SOAK_SIZES : DEFAULT_SOAK_SIZES, closingCalls: request.closingCalls });
  const patterns = new SoakPatterns();
  let closed = false;
  const closeAll = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const { reducer } of Object.values(reducers)) await reducer.close();
    await plainRing.close();
    await curveRing.close();
    await plain.close();
    await curve.close();
  };
  let batch: SoakRankRecord[] = [];
  let lastReport = performance.now();
  let index = request.from;
  try {
    for (; index < request.to; index++) {
      const call = plan[index];
      const shares = rankShares(call, plainWelcome.worldSize);
      const values = patterns.vector(call, shares[rank]);
      const { reducer, welcome } = reducers[`${call.strategy}/${call.curve ? 'curve' : 'plain'}`];
      closingCall = index === request.to - 1;
      const started = performance.now();
      const result = await reducer.allreduce(values, shares[rank].weight, { generation: welcome.generation, step: index, phase: 0, fp16: call.fp16 });
      const ms = performance.now() - started;
      // After the last call, close at once, as a worker does after a job's last step: a ring neighbour may still need
      // our last forward (the stall of issue 10). The check comes after.
      if (index === request.to - 1) await closeAll();
      const { maxError, tolerance } = patterns.check(call, shares, result);
      batch.push({ index, rank, ms, maxError, tolerance, fingerprint: resultFingerprint(result) });
      if (batch.length >= 100 || performance.now() - lastReport > 1000) {
        await tell({ kind: 'records', records: batch });
        batch = [];
        lastReport = performance.now();
      }
    }
    await tell({ kind: 'records', records: batch });
  } catch (error) {
    await tell({ kind: 'records', records: batch });
    await tell({ kind: 'failed', rank, index, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  } finally {
    await closeAll();
  }
  await tell({ kind: 'done', rank });
}

main(JSON.parse(process.argv[2] ?? '{}') as SoakRankRequest).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
