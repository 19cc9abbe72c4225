import { defaultAdvertiseHost, endpointHost, isLoopbackEndpoint, tcpEndpointParts } from './network-address';

describe('network addresses', () => {
  it('reads the host of tcp endpoints', () => {
    expect(endpointHost('tcp://127.0.0.1:5555')).toBe('127.0.0.1');
    expect(endpointHost('tcp://[::1]:5555')).toBe('::1');
    expect(endpointHost('tcp://node-3.cluster:*')).toBe('node-3.cluster');
    expect(endpointHost('ipc:///tmp/x')).toBeUndefined();
  });

  it('reads host and port of tcp endpoints, and nothing of wildcards or other transports', () => {
    expect(tcpEndpointParts('tcp://10.0.0.4:5555')).toEqual({ host: '10.0.0.4', port: 5555 });
    expect(tcpEndpointParts('tcp://[::1]:40123')).toEqual({ host: '::1', port: 40123 });
    expect(tcpEndpointParts('tcp://node-3:*')).toBeUndefined();
    expect(tcpEndpointParts('tcp://*:5555')).toBeUndefined();
    expect(tcpEndpointParts('tcp://host:70000')).toBeUndefined();
    expect(tcpEndpointParts('ipc:///tmp/ring')).toBeUndefined();
  });

  it('tells loopback endpoints from the ones other machines can reach', () => {
    expect(isLoopbackEndpoint('tcp://127.0.0.1:5555')).toBe(true);
    expect(isLoopbackEndpoint('tcp://localhost:*')).toBe(true);
    expect(isLoopbackEndpoint('tcp://0.0.0.0:5555')).toBe(false);
    expect(isLoopbackEndpoint('tcp://10.0.0.4:5555')).toBe(false);
    expect(isLoopbackEndpoint('ipc:///tmp/ganglion')).toBe(true);
  });

  it('advertises the first external IPv4 address', () => {
    const lo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: null } as const;
    const v6 = { address: 'fe80::1', netmask: 'ffff::', family: 'IPv6', mac: '', internal: false, cidr: null, scopeid: 2 } as const;
    const eth = { address: '10.1.2.3', netmask: '255.255.0.0', family: 'IPv4', mac: '', internal: false, cidr: null } as const;
    expect(defaultAdvertiseHost({ lo: [lo], eth0: [v6, eth] })).toBe('10.1.2.3');
  });
});
