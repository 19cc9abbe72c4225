#!/usr/bin/env node
/**
 * The ring stall of issue 10 without any Ganglion code: N processes, raw
 * zeromq.js PUSH/PULL in a ring, each pass 2(N-1) rounds of sending one
 * chunk right while receiving one from the left (the bench's raw ZeroMQ
 * ring). Reports a stall when no rank finishes a pass for 30 s.
 *
 *   node libs/comm/scripts/bare-zmq-ring.mjs N MiB passes [--close-at-once] [--linger MS]
 *
 * --close-at-once: each rank closes its sockets straight after its last
 *   round (as the bench's ranks did) instead of waiting until every rank is
 *   done. --linger MS: the PUSH's linger at close (default 5000, what
 *   RingTransport now does; 0 is what the bench had). With both
 *   `--close-at-once --linger 0` the ranks that finish first discard their
 *   last chunk and their right neighbours wait forever: a stall.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const zmq = require('zeromq');
const args = process.argv.slice(2);
const [worldSize, mebibytes, passes] = args.slice(0, 3).map(Number);
const closeAtOnce = args.includes('--close-at-once');
const lingerAt = args.indexOf('--linger');
const linger = lingerAt < 0 ? 5000 : Number(args[lingerAt + 1]);
const STALL_MS = 30_000;

if (!(worldSize >= 2 && mebibytes > 0 && passes >= 1)) {
  console.error('Usage: node bare-zmq-ring.mjs N MiB passes [--close-at-once] [--linger MS]');
  process.exit(2);
}

if (process.env.BARE_RING_RANK === undefined) {
  const ports = new Array(worldSize).fill(undefined);
  const progress = new Array(worldSize).fill(0);
  const children = [];
  const started = Date.now();
  let last = Date.now();
  for (let rank = 0; rank < worldSize; rank++) {
    const child = fork(fileURLToPath(import.meta.url), args, { env: { ...process.env, BARE_RING_RANK: String(rank) } });
    children.push(child);
    child.on('message', (message) => {
      if (message.port !== undefined) {
        ports[message.rank] = message.port;
        if (ports.every((port) => port !== undefined)) for (const c of children) c.send({ ports });
      } else if (message.pass !== undefined) {
        progress[message.rank] = message.pass + 1;
        last = Date.now();
      } else if (message.done) {
        progress[message.rank] = 'done';
        if (progress.every((p) => p === 'done')) {
          console.log(`ok: ${passes} passes of ${mebibytes} MiB among ${worldSize} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          for (const c of children) c.send({ exit: true });
          setTimeout(() => process.exit(0), 500);
        }
      }
    });
  }
  setInterval(() => {
    if (Date.now() - last < STALL_MS) return;
    console.log(`STALL: no rank finished a pass for ${STALL_MS / 1000} s; passes done per rank: ${JSON.stringify(progress)}`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  }, 1000).unref();
} else {
  const rank = Number(process.env.BARE_RING_RANK);
  const pull = new zmq.Pull({ linger: 0 });
  await pull.bind('tcp://127.0.0.1:*');
  process.send({ rank, port: Number(/:(\d+)$/.exec(pull.lastEndpoint)[1]) });
  const ports = await new Promise((resolve) => process.once('message', (message) => resolve(message.ports)));
  const push = new zmq.Push({ linger: 0 });
  push.connect(`tcp://127.0.0.1:${ports[(rank + 1) % worldSize]}`);
  const rounds = 2 * (worldSize - 1);
  // One buffer per round, never written again (zeromq.js does not copy frames above 128 bytes).
  const chunks = Array.from({ length: rounds }, () => Buffer.alloc(Math.ceil((mebibytes * 2 ** 20) / worldSize), rank + 1));
  for (let pass = 0; pass < passes; pass++) {
    for (let round = 0; round < rounds; round++) await Promise.all([push.send(chunks[round]), pull.receive()]);
    process.send({ rank, pass });
  }
  process.send({ rank, done: true });
  if (!closeAtOnce) await new Promise((resolve) => process.on('message', (message) => message.exit && resolve()));
  push.linger = linger;
  push.close();
  pull.close();
  setTimeout(() => process.exit(0), 100);
}
