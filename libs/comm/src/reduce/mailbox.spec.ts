import { WaitAbortedError } from '../transport/transport-errors';
import { Mailbox } from './mailbox';

describe('Mailbox', () => {
  it('reads a waiting take\'s item inside put(), and a held item at once', async () => {
    const mailbox = new Mailbox<{ size: number }>(8);
    const reads: string[] = [];
    const waiting = mailbox.take('a', (item) => {
      reads.push('a');
      return item.size;
    });
    expect(reads).toEqual([]);
    expect(mailbox.put('a', { size: 3 })).toBeNull();
    expect(reads).toEqual(['a']); // before any await: the item never waits in a promise
    await expect(waiting).resolves.toBe(3);

    expect(mailbox.put('b', { size: 5 })).toBeNull();
    expect(mailbox.heldCount).toBe(1);
    await expect(mailbox.take('b', (item) => item.size * 2)).resolves.toBe(10);
    expect(mailbox.heldCount).toBe(0);
  });

  it('rejects the take, not the put, when read throws', async () => {
    const mailbox = new Mailbox<number>(8);
    const waiting = mailbox.take('a', () => {
      throw new Error('bad chunk');
    });
    expect(mailbox.put('a', 1)).toBeNull();
    await expect(waiting).rejects.toThrow('bad chunk');
    mailbox.put('b', 2);
    await expect(
      mailbox.take('b', () => {
        throw new Error('bad held chunk');
      }),
    ).rejects.toThrow('bad held chunk');
  });

  it('holds what arrives after an aborted take, and refuses a second taker, a duplicate and a full box', async () => {
    const mailbox = new Mailbox<number>(1);
    const controller = new AbortController();
    const aborted = mailbox.take('a', (item) => item, { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(WaitAbortedError);
    expect(mailbox.put('a', 1)).toBeNull();
    expect(mailbox.put('a', 2)).toMatch(/already waiting \(duplicate\)/);
    expect(mailbox.put('b', 3)).toMatch(/1 messages are already held/);
    await expect(mailbox.take('a', (item) => item)).resolves.toBe(1);

    const first = mailbox.take('c', (item) => item);
    await expect(mailbox.take('c', (item) => item)).rejects.toThrow(/already waits for c/);
    mailbox.close();
    await expect(first).rejects.toThrow(/closed/);
  });
});
