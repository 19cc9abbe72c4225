import { LaunchRoster, type RosterEntry } from './launch-roster';

describe('LaunchRoster', () => {
  const hello = (workerId: string, pid: number) => ({ workerId, host: 'vm', pid, backend: 'wasm', devices: [] });

  it('names a local worker process by its rank and worker id, keeping the rank it had when it was lost', () => {
    const lost: RosterEntry[] = [];
    const roster = new LaunchRoster((entry) => lost.push(entry));
    expect(roster.describe(11)).toBe('worker process 11 (not yet admitted by the coordinator)');
    roster.memberJoined(hello('vm-11', 11));
    roster.memberJoined(hello('vm-12', 12));
    expect(roster.jobFormed).toBe(false);
    expect(roster.describe(12)).toBe('a joining worker (worker vm-12, pid 12)');
    roster.generationChanged(1, ['vm-12', 'vm-11']);
    expect(roster.jobFormed).toBe(true);
    expect(roster.describe(11)).toBe('rank 1 (worker vm-11, pid 11)');
    roster.memberLost('vm-11', 'heartbeat timeout');
    roster.memberLost('vm-11', 'again');
    roster.generationChanged(2, ['vm-12']);
    expect(roster.describe(11)).toBe('rank 1 (worker vm-11, pid 11)');
    expect(roster.byPid(11)?.lostBecause).toBe('heartbeat timeout');
    expect(lost.map((entry) => entry.pid)).toEqual([11]);
    expect(roster.describe(12)).toBe('rank 0 (worker vm-12, pid 12)');
  });
});
