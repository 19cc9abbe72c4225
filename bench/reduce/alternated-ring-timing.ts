import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runChild } from '../harness/child-process';
import { ALTERNATED_METHODS, type AlternatedMethod, type AlternatedRankMessage, type AlternatedRankRequest } from './alternated-ring-cases';
import { floatsIn, type ReduceRuns } from './reduce-cases';

const RANK_SCRIPT = join(__dirname, 'alternated-ring-child.ts');

/**
 * The ring's methods (raw TCP, bare ZeroMQ, RingReducer f32 and fp16)
 * alternated call by call in the same `worldSize` rank processes (see
 * alternated-ring-child.ts). Resolves with, per method, each call's time
 * on the slowest rank (ms).
 */
export async function timeAlternatedRing(worldSize: number, mebibytes: number, runs: ReduceRuns, timeoutMs: number): Promise<Record<AlternatedMethod, number[]>> {
  const children: ChildProcess[] = [];
  const listening: Array<Extract<AlternatedRankMessage, { kind: 'listening' }>> = [];
  let done = 0;
  const onMessage = (message: unknown) => {
    const m = message as AlternatedRankMessage;
    if (m.kind === 'listening') {
      listening.push(m);
      if (listening.length < worldSize) return;
      const byRank = [...listening].sort((a, b) => a.rank - b.rank);
      const peers: AlternatedRankMessage = { kind: 'peers', ring: byRank.map((l) => l.ring), zmq: byRank.map((l) => l.zmq), tcpPorts: byRank.map((l) => l.tcpPort) };
      for (const child of children) child.send(peers);
    } else if (m.kind === 'done') {
      done += 1;
      if (done === worldSize) for (const child of children) child.send({ kind: 'release' } satisfies AlternatedRankMessage);
    }
  };
  const all = Array.from({ length: worldSize }, (_, rank) =>
    runChild<Record<AlternatedMethod, number[]>>(RANK_SCRIPT, {
      args: [JSON.stringify({ rank, worldSize, floats: floatsIn(mebibytes), ...runs } satisfies AlternatedRankRequest)],
      timeoutMs,
      onSpawn: (child) => children.push(child),
      onMessage,
    }),
  );
  try {
    const perRank = await Promise.all(all);
    const slowest = (method: AlternatedMethod) => perRank[0][method].map((_, call) => Math.max(...perRank.map((times) => times[method][call])));
    return Object.fromEntries(ALTERNATED_METHODS.map((method) => [method, slowest(method)])) as Record<AlternatedMethod, number[]>;
  } catch (error) {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.allSettled(all);
    throw error;
  }
}
