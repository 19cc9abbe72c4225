import { execFileSync, spawnSync } from 'node:child_process';

/** One simulated machine: a network namespace with an address on the shared link. */
export interface TestHost {
  readonly namespace: string;
  readonly address: string;
}

/**
 * Several "hosts" on one machine, for tests of what crosses a network:
 * a hub namespace holding a bridge, and one namespace per host joined to
 * it by a veth pair, so every packet between hosts crosses real
 * interfaces. Addresses come from 198.18.0.0/15, the range RFC 2544
 * reserves for benchmark tests, and exist only inside these namespaces.
 * Needs root and iproute2 (CI runs as root); `unavailableReason()` says
 * why not otherwise.
 */
export class NetnsHosts {
  readonly hosts: TestHost[];
  private readonly hub: string;
  private created: string[] = [];

  constructor(count: number, private readonly tag = `g${process.pid % 100000}`) {
    this.hub = `${tag}-hub`;
    this.hosts = Array.from({ length: count }, (_, i) => ({ namespace: `${tag}-h${i}`, address: `198.18.0.${i + 1}` }));
  }

  /** Why namespaces cannot be made here, or null when they can. */
  static unavailableReason(): string | null {
    if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
    if (process.getuid?.() !== 0) return 'network namespaces need root (CI runs as root; run the tests as root to include this one)';
    const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    if (probe.error !== undefined || probe.status !== 0) return `iproute2's "ip netns" is not usable: ${probe.error?.message ?? probe.stderr.trim()}`;
    return null;
  }

  create(): void {
    this.ip(['netns', 'add', this.hub]);
    this.created.push(this.hub);
    this.ip(['-n', this.hub, 'link', 'add', 'br0', 'type', 'bridge']);
    this.ip(['-n', this.hub, 'link', 'set', 'br0', 'up']);
    this.ip(['-n', this.hub, 'link', 'set', 'lo', 'up']);
    this.hosts.forEach((host, i) => {
      this.ip(['netns', 'add', host.namespace]);
      this.created.push(host.namespace);
      const outside = `${this.tag}v${i}`;
      this.ip(['link', 'add', outside, 'netns', this.hub, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace]);
      this.ip(['-n', this.hub, 'link', 'set', outside, 'master', 'br0']);
      this.ip(['-n', this.hub, 'link', 'set', outside, 'up']);
      this.ip(['-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0']);
      this.ip(['-n', host.namespace, 'link', 'set', 'eth0', 'up']);
      this.ip(['-n', host.namespace, 'link', 'set', 'lo', 'up']);
    });
  }

  /** Command prefix that runs a program inside `host`. */
  prefix(host: TestHost): string[] {
    return ['ip', 'netns', 'exec', host.namespace];
  }

  /** Bytes received on the host's link interface, to prove traffic crossed it. */
  receivedBytes(host: TestHost): number {
    const text = execFileSync('ip', ['-n', host.namespace, '-s', 'link', 'show', 'eth0'], { encoding: 'utf8' });
    const lines = text.split('\n').map((line) => line.trim());
    const header = lines.findIndex((line) => line.startsWith('RX:'));
    return Number(lines[header + 1].split(/\s+/)[0]);
  }

  destroy(): void {
    for (const namespace of this.created.reverse()) spawnSync('ip', ['netns', 'del', namespace]);
    this.created = [];
  }

  private ip(args: string[]): void {
    execFileSync('ip', args, { stdio: 'pipe' });
  }
}
