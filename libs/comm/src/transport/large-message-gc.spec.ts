import { spawnSync } from 'node:child_process';
import { atomicMarkingForLargeMessages, INCREMENTAL_MARKING_ENV } from './large-message-gc';

describe('atomicMarkingForLargeMessages', () => {
  it('turns incremental marking off unless GANGLION_INCREMENTAL_MARKING=1', () => {
    const set: string[] = [];
    expect(atomicMarkingForLargeMessages({}, (flags) => set.push(flags))).toBe(true);
    expect(set).toEqual(['--no-incremental-marking']);
    expect(atomicMarkingForLargeMessages({ [INCREMENTAL_MARKING_ENV]: '1' }, (flags) => set.push(flags))).toBe(false);
    expect(set).toHaveLength(1);
  });

  it('the flag takes effect in a running process: external memory no longer drives incremental marking steps', () => {
    // A child reports 4 MiB of external memory 200 times (as zeromq.js does for each received frame) and counts
    // the incremental marking steps V8 traces; V8's default traces some, and
    // with the flag set from inside the process there are none.
    const script = `
      const v8 = require('node:v8');
      if (process.argv[1] === 'atomic') v8.setFlagsFromString('--no-incremental-marking');
      const keep = [];
      for (let i = 0; i < 200; i++) { keep.push(Buffer.alloc(4 << 20)); if (keep.length > 8) keep.shift(); }
    `;
    const run = (mode: string) => spawnSync(process.execPath, ['--trace-gc', '-e', script, mode], { encoding: 'utf8', timeout: 60_000 });
    const incremental = run('incremental');
    expect(incremental.status).toBe(0);
    expect(incremental.stdout).toMatch(/since start of marking/);
    const atomic = run('atomic');
    expect(atomic.status).toBe(0);
    expect(atomic.stdout).not.toMatch(/since start of marking/);
    expect(atomic.stdout).toMatch(/Mark-Compact|Scavenge/);
  });
});
