/** What an endpoint is for: a bind may use `*` as host or port (any interface, any free port); a connect may not. */
export type EndpointUse = 'bind' | 'connect';

/** A ZeroMQ endpoint that Ganglion will not pass on: libzmq would wrap an out-of-range port (70000 binds 4464) or fail later with less to say. */
export class InvalidEndpointError extends Error {
  override readonly name = 'InvalidEndpointError';
}

/**
 * Checks a `tcp://HOST:PORT` endpoint (IPv6 hosts in brackets) before it
 * reaches ZeroMQ: the scheme, a host, and a port from 1 to 65535 (`*`:
 * any free port, bind only; `*` as host: every interface, bind only).
 * `ipc://` and `inproc://` endpoints pass with a non-empty path. Returns
 * the endpoint; throws InvalidEndpointError saying what is wrong and
 * what a valid one looks like.
 */
export function checkEndpoint(endpoint: string, use: EndpointUse): string {
  const example = use === 'bind' ? 'tcp://127.0.0.1:5555 (or tcp://0.0.0.0:5555, tcp://127.0.0.1:* for any free port)' : 'tcp://10.0.0.1:5555';
  const scheme = /^([a-z]+):\/\/(.*)$/.exec(endpoint);
  if (scheme === null) throw new InvalidEndpointError(`"${endpoint}" is not an endpoint: expected e.g. ${example}.`);
  const [, transport, rest] = scheme;
  if (transport === 'ipc' || transport === 'inproc') {
    if (rest.length === 0) throw new InvalidEndpointError(`"${endpoint}" has no ${transport} path.`);
    return endpoint;
  }
  if (transport !== 'tcp') throw new InvalidEndpointError(`"${endpoint}" uses the scheme ${transport}://; Ganglion speaks tcp:// (or ipc://, inproc://), e.g. ${example}.`);
  const parts = /^(?:\[([^\]]*)\]|([^:/[\]]*)):([^:/]*)$/.exec(rest);
  if (parts === null) throw new InvalidEndpointError(`"${endpoint}" is not HOST:PORT after tcp://: expected e.g. ${example}.`);
  const host = parts[1] ?? parts[2];
  const port = parts[3];
  if (host.length === 0) throw new InvalidEndpointError(`"${endpoint}" has no host: expected e.g. ${example}.`);
  if (host === '*' && use === 'connect') throw new InvalidEndpointError(`"${endpoint}": a worker connects to one host, not *: expected e.g. ${example}.`);
  if (host !== '*' && !/^[A-Za-z0-9.\-:%_]+$/.test(host)) throw new InvalidEndpointError(`"${endpoint}": "${host}" is not a host name or IP address.`);
  if (port === '*') {
    if (use === 'connect') throw new InvalidEndpointError(`"${endpoint}": a worker connects to one port, not *: expected e.g. ${example}.`);
    return endpoint;
  }
  const value = /^\d+$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidEndpointError(`"${endpoint}": port "${port}" is not a TCP port from 1 to 65535${use === 'bind' ? ' (or * for any free port)' : ''}.`);
  }
  return endpoint;
}
