import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as zmq from 'zeromq';
import { probeTcpEndpoint, unreachablePeers } from './peer-reachability';

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('peer reachability probes (real sockets on loopback)', () => {
  it('a listening endpoint is reachable, a closed port is not, another transport is not probed', async () => {
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      expect(await probeTcpEndpoint(`tcp://127.0.0.1:${port}`, 2000)).toBe(true);
      expect(await probeTcpEndpoint(`tcp://127.0.0.1:${await closedPort()}`, 2000)).toBe(false);
      expect(await probeTcpEndpoint('ipc:///tmp/ganglion-ring', 2000)).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it('a stopped process still answers (its kernel accepts); once its backlog is full, the probe times out', async () => {
    // The port goes out as a plain string: console.log(number) is coloured under FORCE_COLOR (nx sets it).
    const child = spawn(process.execPath, [
      '-e',
      "require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, function () { process.stdout.write(this.address().port + '\\n'); process.kill(process.pid, 'SIGSTOP'); })",
    ]);
    const held: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let printed = '';
        const slow = setTimeout(() => reject(new Error(`the listening child printed no port within 20 s: ${printed}`)), 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          printed += chunk.toString();
          const line = /^(\d+)$/m.exec(printed);
          if (line === null) return;
          clearTimeout(slow);
          resolve(Number(line[1]));
        });
        child.once('exit', (code) => {
          clearTimeout(slow);
          reject(new Error(`the listening child exited (${code}) before printing its port: ${printed}`));
        });
      });
      const endpoint = `tcp://127.0.0.1:${port}`;
      expect(await probeTcpEndpoint(endpoint, 2000)).toBe(true); // SIGSTOPped, yet reachable: a hung worker is not a broken link
      let timedOut = false;
      for (let attempt = 0; attempt < 8 && !timedOut; attempt++) {
        const started = Date.now();
        const reachable = await probeTcpEndpoint(endpoint, 300);
        if (reachable) {
          held.push(net.connect({ host: '127.0.0.1', port })); // fill the accept queue nobody drains
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          expect(Date.now() - started).toBeGreaterThanOrEqual(290);
          timedOut = true;
        }
      }
      expect(timedOut).toBe(true);
    } finally {
      for (const socket of held) socket.destroy();
      child.kill('SIGKILL');
    }
  }, 60_000); // a node child starts in seconds when the machine is busy

  it('a CURVE PULL sees the probe as a handshake cut short, not as a refused key (no protocol error to log)', async () => {
    const server = zmq.curveKeyPair();
    const pull = new zmq.Pull({ linger: 0, curveServer: true, curveSecretKey: server.secretKey });
    const seen: string[] = [];
    try {
      await pull.bind('tcp://127.0.0.1:*');
      const watching = (async () => {
        for await (const event of pull.events) seen.push(event.type);
      })().catch(() => undefined);
      expect(await probeTcpEndpoint(pull.lastEndpoint as string, 2000)).toBe(true);
      for (let wait = 0; wait < 40 && !seen.includes('disconnect'); wait++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(seen).toContain('accept');
      expect(seen).not.toContain('handshake:error:protocol');
      pull.close();
      await watching;
    } finally {
      if (!pull.closed) pull.close();
    }
  });

  it('a ZeroMQ PULL that was probed goes on receiving, and unreachablePeers names only the dead rank', async () => {
    const pull = new zmq.Pull({ linger: 0 });
    const push = new zmq.Push({ linger: 0 });
    try {
      await pull.bind('tcp://127.0.0.1:*');
      const endpoint = pull.lastEndpoint as string;
      const dead = `tcp://127.0.0.1:${await closedPort()}`;
      expect(await unreachablePeers([endpoint, 'tcp://127.0.0.1:1', dead], 1, 2000)).toEqual([2]); // rank 1 is this rank: not probed
      push.connect(endpoint);
      await push.send('after the probe');
      const [frame] = await pull.receive();
      expect(frame.toString()).toBe('after the probe');
    } finally {
      push.close();
      pull.close();
    }
  });
});
