import * as os from 'node:os';

/** The host part of a `tcp://host:port` endpoint (brackets kept off IPv6), or undefined for another transport. */
export function endpointHost(endpoint: string): string | undefined {
  const match = /^tcp:\/\/(?:\[([^\]]+)\]|([^:/]+)):/.exec(endpoint);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/** The host and port of a `tcp://host:port` endpoint (brackets kept off IPv6), or undefined for another transport or a wildcard. */
export function tcpEndpointParts(endpoint: string): { host: string; port: number } | undefined {
  const match = /^tcp:\/\/(?:\[([^\]]+)\]|([^:/]+)):(\d+)$/.exec(endpoint);
  if (match === null) return undefined;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (host === '*' || port < 1 || port > 65535) return undefined;
  return { host, port };
}

/** True when an endpoint can only be reached from this machine (loopback, or not TCP at all: ipc, inproc). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  const host = endpointHost(endpoint);
  if (host === undefined) return !endpoint.startsWith('tcp://');
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * An address other machines can probably reach this one at: the first
 * non-internal IPv4 address, else the host name. Workers announce their
 * ring endpoint with it when they bind 0.0.0.0; pass --advertise-host
 * where a machine has several networks.
 */
export function defaultAdvertiseHost(interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()): string {
  for (const addresses of Object.values(interfaces)) {
    for (const address of addresses ?? []) {
      if (address.family === 'IPv4' && !address.internal) return address.address;
    }
  }
  return os.hostname();
}
