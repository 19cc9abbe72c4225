import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runRankProcesses } from '../harness/rank-processes';
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
  const listening: Array<{ readonly child: ChildProcess; readonly message: Extract<AlternatedRankMessage, { kind: 'listening' }> }> = [];
  // Once every rank listens, each learns where all the others do.
  const onMessage = (message: unknown, child: ChildProcess) => {
    const m = message as AlternatedRankMessage;
    if (m.kind !== 'listening') return;
    listening.push({ child, message: m });
    if (listening.length < worldSize) return;
    const byRank = listening.map((l) => l.message).sort((a, b) => a.rank - b.rank);
    const peers: AlternatedRankMessage = { kind: 'peers', ring: byRank.map((l) => l.ring), zmq: byRank.map((l) => l.zmq), tcpPorts: byRank.map((l) => l.tcpPort) };
    for (const rank of listening) rank.child.send(peers);
  };
  const requests = Array.from({ length: worldSize }, (_, rank): AlternatedRankRequest => ({ rank, worldSize, floats: floatsIn(mebibytes), ...runs }));
  const perRank = await runRankProcesses<Record<AlternatedMethod, number[]>>(RANK_SCRIPT, requests, timeoutMs, onMessage);
  const slowest = (method: AlternatedMethod) => perRank[0][method].map((_, call) => Math.max(...perRank.map((times) => times[method][call])));
  return Object.fromEntries(ALTERNATED_METHODS.map((method) => [method, slowest(method)])) as Record<AlternatedMethod, number[]>;
}
