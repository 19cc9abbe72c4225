import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { FRAME_MALLOC_TUNABLES, missingFrameMallocTunables, runsOnGlibc, withFrameMallocTunables } from './frame-malloc-tunables';

const OURS = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';

describe('withFrameMallocTunables', () => {
  it('adds both thresholds to an environment without GLIBC_TUNABLES and leaves the rest alone', () => {
    const env = withFrameMallocTunables({ PATH: '/usr/bin' });
    expect(env).toEqual({ PATH: '/usr/bin', GLIBC_TUNABLES: OURS });
  });

  it("keeps the user's own tunables, ours included, and adds only what is missing", () => {
    const env = withFrameMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576' });
    expect(env.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=268435456');
    expect(withFrameMallocTunables(env).GLIBC_TUNABLES).toBe(env.GLIBC_TUNABLES);
  });
});

describe('missingFrameMallocTunables', () => {
  it('names what a glibc process started without, and how to start it', () => {
    const { missing, advice } = missingFrameMallocTunables({ GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=1' }, true);
    expect(missing).toEqual(['glibc.malloc.mmap_threshold']);
    expect(advice).toContain(`GLIBC_TUNABLES=${OURS}`);
    expect(advice).toContain('ganglion launch');
    expect(missingFrameMallocTunables({}, true).missing).toEqual(Object.keys(FRAME_MALLOC_TUNABLES));
    expect(missingFrameMallocTunables(withFrameMallocTunables({}), true).missing).toEqual([]);
  });

  it('asks nothing of a process that does not run on glibc', () => {
    expect(missingFrameMallocTunables({}, false).missing).toEqual([]);
  });
});

describe('the tunables in a real process', () => {
  // A child receives 2 MiB ZeroMQ frames, 16 at a time, then drops them and collects, as a
  // worker's collector frees a batch of frames; it prints its minor page faults per frame in each
  // round after the first two.
  const script = `
    const zmq = require('zeromq'); const v8 = require('node:v8'); const vm = require('node:vm');
    v8.setFlagsFromString('--expose-gc'); const gc = vm.runInNewContext('gc');
    (async () => {
      const push = new zmq.Push({ linger: 0 }), pull = new zmq.Pull({ linger: 0 });
      await pull.bind('tcp://127.0.0.1:*'); push.connect(pull.lastEndpoint);
      const payload = Buffer.alloc(2 << 20, 1);
      const perRound = [];
      for (let round = 0; round < 10; round++) {
        const before = process.resourceUsage().minorPageFault;
        let held = [];
        for (let i = 0; i < 16; i++) {
          await push.send(payload); const [frame] = await pull.receive();
          if (frame.length !== payload.length) throw new Error('short frame');
          held.push(frame);
        }
        held = []; gc(); await new Promise((r) => setImmediate(r)); gc();
        if (round >= 2) perRound.push((process.resourceUsage().minorPageFault - before) / 16);
      }
      push.close(); pull.close();
      process.stdout.write(JSON.stringify(perRound));
    })();
  `;
  const faultsPerFrameByRound = (env: NodeJS.ProcessEnv): number[] => {
    const child = spawnSync(process.execPath, ['-e', script], { env, cwd: path.join(__dirname, '..', '..', '..', '..'), encoding: 'utf8', timeout: 60_000 });
    if (child.status !== 0) throw new Error(`the child failed (${child.status ?? child.signal}): ${child.stderr}`);
    return JSON.parse(child.stdout) as number[];
  };

  (runsOnGlibc() ? it : it.skip)('keeps freed frame memory mapped: no round faults its frames in again', () => {
    const { GLIBC_TUNABLES: _ignored, ...plain } = process.env;
    // The worst round of each run, and the fewest of three runs: faults only add up. With glibc's defaults one
    // round (the third here) faults ~32 pages per frame again; with the tunables no round faults more than ~1.
    // Beside CI's other project (16 tfjs workers starting) every round of the tunables counted ~1.6 more, so
    // the check is against the defaults' worst round rather than a fixed count.
    const worstRound = (env: NodeJS.ProcessEnv): number => Math.min(...[0, 1, 2].map(() => Math.max(...faultsPerFrameByRound(env))));
    const withDefaults = worstRound(plain);
    const tuned = worstRound(withFrameMallocTunables(plain));
    expect(withDefaults).toBeGreaterThan(8);
    expect(tuned).toBeLessThan(withDefaults / 4);
  });
});
