import type { HelloHeader } from '@ganglion/comm';
import { curveKeyRefusal, ringPeerKeys } from './curve-admission';

const KEY_A = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
const KEY_B = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';

function hello(curvePublicKey?: string): HelloHeader {
  return {
    type: 'HELLO', protocol: 1, generation: 0, step: 0, workerId: 'w', host: 'h', pid: 1, backend: 'cpu', devices: [], ringEndpoint: 'tcp://127.0.0.1:1', pipelineHash: null,
    ...(curvePublicKey === undefined ? {} : { curvePublicKey }),
  };
}

describe('curveKeyRefusal', () => {
  const curveSocket = { curve: true, isAuthenticatedKey: (key: string) => key === KEY_A };

  it('admits a HELLO whose key a handshake authenticated', () => {
    expect(curveKeyRefusal(hello(KEY_A), curveSocket)).toBeUndefined();
  });

  it('refuses a missing key and a key no connection authenticated with', () => {
    expect(curveKeyRefusal(hello(), curveSocket)).toMatchObject({ code: 'curve-key-missing' });
    expect(curveKeyRefusal(hello(KEY_B), curveSocket)).toMatchObject({ code: 'curve-key-unauthenticated', reason: expect.stringContaining(KEY_B) });
  });

  it('checks nothing without CURVE', () => {
    expect(curveKeyRefusal(hello(), { curve: false, isAuthenticatedKey: () => false })).toBeUndefined();
  });
});

describe('ringPeerKeys', () => {
  it('lists the keys by rank for a CURVE ring only', () => {
    const ranked = [{ hello: hello(KEY_B) }, { hello: hello(KEY_A) }];
    expect(ringPeerKeys({ curve: true }, 'ring', ranked)).toEqual({ peerKeys: [KEY_B, KEY_A] });
    expect(ringPeerKeys({ curve: true }, 'star', ranked)).toEqual({});
    expect(ringPeerKeys({ curve: false }, 'ring', ranked)).toEqual({});
  });
});
