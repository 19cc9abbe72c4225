import { watchSocketEvents, type EventSource } from './socket-events';

/** Replays a script of events and failures, then fails as a closed observer does. */
function scripted(steps: ReadonlyArray<string | { code: string }>): EventSource<string> {
  let next = 0;
  return {
    receive: async () => {
      const step = steps[next++];
      if (step === undefined) throw Object.assign(new Error('Socket is closed'), { code: 'EBADF' });
      if (typeof step === 'string') return step;
      throw Object.assign(new Error(step.code), step);
    },
  };
}

describe('watchSocketEvents', () => {
  it('reads on after a spurious EAGAIN and stops when the observer is closed', async () => {
    const seen: string[] = [];
    await watchSocketEvents(scripted(['a', { code: 'EAGAIN' }, 'b', { code: 'EAGAIN' }, { code: 'EAGAIN' }, 'c']), () => false, (e) => seen.push(e));
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('stops at EAGAIN once the socket is closed', async () => {
    const seen: string[] = [];
    await watchSocketEvents(scripted(['a', { code: 'EAGAIN' }, 'b']), () => seen.length > 0, (e) => seen.push(e));
    expect(seen).toEqual(['a']);
  });

  it('gives up on an observer that only ever says EAGAIN instead of spinning', async () => {
    let calls = 0;
    const source: EventSource<string> = {
      receive: async () => {
        calls++;
        throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
      },
    };
    await watchSocketEvents(source, () => false, () => undefined);
    expect(calls).toBe(100);
  });
});
