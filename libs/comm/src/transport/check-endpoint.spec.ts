import { checkEndpoint, InvalidEndpointError } from './check-endpoint';

describe('checkEndpoint', () => {
  it.each([
    ['tcp://127.0.0.1:5555', 'bind'],
    ['tcp://0.0.0.0:65535', 'bind'],
    ['tcp://127.0.0.1:*', 'bind'],
    ['tcp://*:5555', 'bind'],
    ['tcp://[::1]:1', 'connect'],
    ['tcp://node-3.cluster:5555', 'connect'],
    ['ipc:///tmp/ganglion.sock', 'bind'],
  ] as const)('accepts %s (%s)', (endpoint, use) => {
    expect(checkEndpoint(endpoint, use)).toBe(endpoint);
  });

  it.each([
    ['tcp://127.0.0.1:70000', 'bind', /port "70000" is not a TCP port from 1 to 65535/],
    ['tcp://127.0.0.1:-1', 'bind', /port "-1" is not a TCP port/],
    ['tcp://127.0.0.1:0', 'connect', /port "0" is not a TCP port/],
    ['tcp://127.0.0.1:', 'bind', /port "" is not a TCP port/],
    ['tcp://127.0.0.1:*', 'connect', /connects to one port, not \*/],
    ['tcp://:5555', 'connect', /has no host/],
    ['http://127.0.0.1:5555', 'bind', /uses the scheme http:\/\//],
    ['127.0.0.1:5555', 'connect', /is not an endpoint/],
    ['tcp://127.0.0.1', 'connect', /is not HOST:PORT/],
    ['tcp://bad host:5555', 'connect', /is not HOST:PORT|is not a host name/],
  ] as const)('refuses %s (%s)', (endpoint, use, message) => {
    expect(() => checkEndpoint(endpoint, use)).toThrow(InvalidEndpointError);
    expect(() => checkEndpoint(endpoint, use)).toThrow(message);
  });
});
