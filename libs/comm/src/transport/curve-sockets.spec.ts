import { curveKeyPair } from 'zeromq';
import { CoordinatorSocket } from './coordinator-socket';
import { WaitTimeoutError } from './transport-errors';
import { WorkerSocket } from './worker-socket';
import { z85Encode } from './z85-encode';
import { testHello } from '../reduce/testing/test-hello';

const hello = (workerId: string) => testHello(workerId);

describe('z85Encode', () => {
  it('encodes the RFC 32 test vector', () => {
    expect(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]))).toBe('HelloWorld');
  });
});

describe('CURVE between CoordinatorSocket and WorkerSocket', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('lets a worker on the allow-list in and refuses, by key, one that is not', async () => {
    const server = curveKeyPair();
    const allowed = curveKeyPair();
    const stranger = curveKeyPair();
    const refused: string[] = [];
    const coord = await CoordinatorSocket.bind({
      endpoint: 'tcp://127.0.0.1:*',
      curve: { keyPair: server, allow: new Set([allowed.publicKey]), onRefused: (key) => refused.push(key) },
    });
    closers.push(() => coord.close());

    const bad = WorkerSocket.connect({ endpoint: coord.endpoint, workerId: 'stranger', sendTimeoutMs: 500, curve: { keyPair: stranger, serverKey: server.publicKey } });
    closers.push(() => bad.close());
    void bad.send(hello('stranger')).catch(() => undefined);
    await expect(coord.receive({ timeoutMs: 1500 })).rejects.toBeInstanceOf(WaitTimeoutError);
    expect(refused).toContain(stranger.publicKey);

    const good = WorkerSocket.connect({ endpoint: coord.endpoint, workerId: 'friend', curve: { keyPair: allowed, serverKey: server.publicKey } });
    closers.push(() => good.close());
    await good.send(hello('friend'));
    const incoming = await coord.receive({ timeoutMs: 20_000 });
    expect(incoming).toMatchObject({ ok: true, peer: 'friend' });
    expect(refused).not.toContain(allowed.publicKey);
    expect(coord.curve).toBe(true);
    expect(coord.isAuthenticatedKey(allowed.publicKey)).toBe(true);
    expect(coord.isAuthenticatedKey(stranger.publicKey)).toBe(false);
  });

  it('refuses a plain-TCP worker when the coordinator requires CURVE', async () => {
    const coord = await CoordinatorSocket.bind({ endpoint: 'tcp://127.0.0.1:*', curve: { keyPair: curveKeyPair(), allow: new Set() } });
    closers.push(() => coord.close());
    const plain = WorkerSocket.connect({ endpoint: coord.endpoint, workerId: 'plain', sendTimeoutMs: 500 });
    closers.push(() => plain.close());
    void plain.send(hello('plain')).catch(() => undefined);
    await expect(coord.receive({ timeoutMs: 1500 })).rejects.toBeInstanceOf(WaitTimeoutError);
  });
});
