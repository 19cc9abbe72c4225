import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pack } from 'msgpackr';
import { checkGeneration } from './check-generation';
import { DEFAULT_DECODE_LIMITS, type DecodeResult, decodeMessage, decodeMessageOrThrow, encodeMessage, isEnvelopeOf } from './message-codec';
import { MESSAGE_TYPES, type MessageInit, type MessageType } from './messages';
import { ProtocolError } from './protocol-error';
import { PROTOCOL_VERSION } from './protocol-version';

const base = { generation: 3, step: 17 };

/** One valid example of every message type, with the payload it carries (if any). */
const examples: { [T in MessageType]: { init: Extract<MessageInit, { type: T }>; values?: Float32Array[] } } = {
  HELLO: {
    init: {
      type: 'HELLO',
      ...base,
      workerId: 'worker-a',
      host: 'box-1',
      pid: 4242,
      backend: 'wasm',
      devices: [],
      ringEndpoint: 'tcp://127.0.0.1:40001',
      pipelineHash: 'abc123',
    },
  },
  WELCOME: {
    init: {
      type: 'WELCOME',
      ...base,
      rank: 1,
      worldSize: 2,
      seed: 7,
      pipeline: { path: 'pipelines/vae.ts', hash: 'abc123', options: { batchSize: 64, lr: 0.001, nested: { a: [1, 2] } } },
      reducer: { name: 'ring', bucketBytes: 4 << 20, fp16: false },
      peers: ['tcp://127.0.0.1:40001', 'tcp://127.0.0.1:40002'],
    },
  },
  RING_READY: { init: { type: 'RING_READY', ...base, rank: 0 } },
  STEP: { init: { type: 'STEP', ...base, through: base.step + 7, checksumSteps: [base.step + 3], metricsThrough: base.step - 1 } },
  GRADS: {
    init: { type: 'GRADS', ...base, rank: 1, phase: 0, bucket: 1, bucketCount: 2, offset: 4, totalLength: 7, weight: 32 },
    values: [Float32Array.of(0.25, -1.5, 3)],
  },
  AVG: {
    init: { type: 'AVG', ...base, phase: 1, bucket: 0, bucketCount: 1, offset: 0, totalLength: 2, weightSum: 64 },
    values: [Float32Array.of(9, -9)],
  },
  RING_CHUNK: {
    init: { type: 'RING_CHUNK', ...base, rank: 2, phase: 0, bucket: 3, round: 1, chunk: 4, weightSum: 12.5 },
    values: [Float32Array.of(1.25)],
  },
  SAMPLES: {
    init: { type: 'SAMPLES', ...base, rank: 0, count: 2, height: 1, width: 2, channels: 1, pixelRange: [-1, 1] },
    values: [Float32Array.of(-1, -0.5, 0.5, 1)],
  },
  WEIGHTS: {
    init: { type: 'WEIGHTS', ...base, rank: 0, names: ['enc/kernel', 'enc/bias'], shapes: [[2, 3], [3]] },
    values: [Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(0.5, -0.5, 0)],
  },
  STEP_DONE: { init: { type: 'STEP_DONE', ...base, rank: 1, sampleCount: 32, values: { 'loss/vae': 0.693, stepMs: 12.5 }, checksum: { value: 'deadbeef', algorithm: 'sha256' }, earlier: [{ step: base.step - 1, sampleCount: 32, values: { 'loss/vae': 0.7 } }] } },
  HEARTBEAT: { init: { type: 'HEARTBEAT', ...base, sentAtMs: 1_700_000_000_123 } },
  ERROR: { init: { type: 'ERROR', ...base, code: 'pipeline-mismatch', reason: 'hash differs; deploy the same pipeline', fatal: true } },
  SHUTDOWN: { init: { type: 'SHUTDOWN', ...base, reason: 'finished' } },
  STATE: {
    init: {
      type: 'STATE',
      ...base,
      rank: 0,
      phase: 1,
      texts: { 'manifest.json': '{}', 'networks/enc/model.json': '{"format":"layers-model"}' },
      binaries: ['networks/enc/group1-shard1of1.bin', 'optimizer.bin'],
    },
    values: [Float32Array.of(1, 2, 3), Float32Array.of(0, 0.5)],
  },
  REDUCE_STALLED: { init: { type: 'REDUCE_STALLED', ...base, rank: 1, phase: 0, suspectRank: 0, received: 3, awaiting: 'bucket 0 round 1 from rank 0', stalledMs: 3000 } },
};

function expectError(result: DecodeResult, code: ProtocolError['code'], pattern: RegExp): ProtocolError {
  if (result.ok) {
    throw new Error(`expected ${code}, got a decoded ${result.envelope.header.type}`);
  }
  expect(result.error).toBeInstanceOf(ProtocolError);
  expect(result.error.code).toBe(code);
  expect(result.error.message).toMatch(pattern);
  return result.error;
}

function rawHeader(fields: Record<string, unknown>): Buffer {
  return Buffer.from(pack(fields));
}

describe('message codec', () => {
  it('has an example for every message type', () => {
    expect(Object.keys(examples).sort()).toEqual([...MESSAGE_TYPES].sort());
  });

  it.each(MESSAGE_TYPES)('round-trips %s', (type) => {
    const { init, values } = examples[type];
    const frames = encodeMessage(init, values ? { values } : undefined);
    expect(frames).toHaveLength(1 + (values?.length ?? 0));
    const envelope = decodeMessageOrThrow(frames);
    expect(envelope.header).toMatchObject({ ...init, protocol: PROTOCOL_VERSION });
    expect(isEnvelopeOf(envelope, type)).toBe(true);
    expect(envelope.payload.map((p) => Array.from(p))).toEqual((values ?? []).map((v) => Array.from(v)));
    expect(envelope.frames).toHaveLength(values?.length ?? 0);
  });

  it('sends f32 payloads without copying and decodes aligned frames as views', () => {
    const values = new Float32Array(1000).map((_, i) => i / 7);
    const frames = encodeMessage({ ...examples.AVG.init, totalLength: 1000 }, { values: [values] });
    expect(frames[1].buffer).toBe(values.buffer);
    const decoded = decodeMessageOrThrow([frames[0], Buffer.from(frames[1])]);
    expect(decoded.payload[0].buffer).toBe(decoded.frames[0].buffer);
    expect(Array.from(decoded.payload[0])).toEqual(Array.from(values));
  });

  it('copies f32 frames that are not 4-byte aligned, and decodes odd-aligned f16 frames', () => {
    const values = Float32Array.of(1.5, -2.25, 3.125);
    const [header, frame] = encodeMessage({ ...examples.AVG.init, totalLength: 3 }, { values: [values] });
    const backing = Buffer.alloc(frame.length + 1);
    frame.copy(backing, 1);
    const unaligned = backing.subarray(1);
    expect(unaligned.byteOffset % 4).not.toBe(0);
    const decoded = decodeMessageOrThrow([header, unaligned]);
    expect(Array.from(decoded.payload[0])).toEqual([1.5, -2.25, 3.125]);
    expect(decoded.payload[0].buffer).not.toBe(backing.buffer);

    const [h16, f16] = encodeMessage({ ...examples.AVG.init, totalLength: 3 }, { dtype: 'f16', values: [values] });
    const odd = Buffer.alloc(f16.length + 1);
    f16.copy(odd, 1);
    expect(Array.from(decodeMessageOrThrow([h16, odd.subarray(1)]).payload[0])).toEqual([1.5, -2.25, 3.125]);
  });

  it('halves the bytes with f16 and decodes to float32', () => {
    const values = Float32Array.of(0.1, 1000, -3.3333);
    const frames = encodeMessage({ ...examples.AVG.init, totalLength: 3 }, { dtype: 'f16', values: [values] });
    expect(frames[1].byteLength).toBe(6);
    const decoded = decodeMessageOrThrow(frames);
    expect(decoded.header).toMatchObject({ payload: { dtype: 'f16', lengths: [3] } });
    decoded.payload[0].forEach((v, i) => expect(Math.abs(v - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -11));
  });

  it('forwards encoded frames unchanged', () => {
    const [, frame] = encodeMessage(examples.RING_CHUNK.init, { dtype: 'f16', values: [Float32Array.of(3)] });
    const forwarded = encodeMessage({ ...examples.RING_CHUNK.init, round: 2 }, { dtype: 'f16', encoded: [frame] });
    expect(forwarded[1]).toBe(frame);
    expect(decodeMessageOrThrow(forwarded).payload[0][0]).toBe(3);
    expect(() => encodeMessage(examples.RING_CHUNK.init, { dtype: 'f32', encoded: [Buffer.alloc(6)] })).toThrow(/not a multiple of 4/);
  });

  it('accepts a HELLO without a pipeline hash (the worker checks the one WELCOME names)', () => {
    const envelope = decodeMessageOrThrow(encodeMessage({ ...examples.HELLO.init, pipelineHash: null }));
    expect(isEnvelopeOf(envelope, 'HELLO') && envelope.header.pipelineHash).toBeNull();
  });

  it('carries CURVE public keys in HELLO and WELCOME, and refuses malformed or miscounted ones', () => {
    const keyA = 'rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7';
    const keyB = 'Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID';
    const hello = decodeMessageOrThrow(encodeMessage({ ...examples.HELLO.init, curvePublicKey: keyA }));
    expect(isEnvelopeOf(hello, 'HELLO') && hello.header.curvePublicKey).toBe(keyA);
    const welcomeInit = { ...examples.WELCOME.init, peerKeys: [keyA, keyB] };
    const welcome = decodeMessageOrThrow(encodeMessage(welcomeInit));
    expect(isEnvelopeOf(welcome, 'WELCOME') && welcome.header.peerKeys).toEqual([keyA, keyB]);

    const rawHello = { ...examples.HELLO.init, protocol: PROTOCOL_VERSION };
    expectError(decodeMessage([rawHeader({ ...rawHello, curvePublicKey: 'short' })]), 'invalid-header', /curvePublicKey: must be a 40-character Z85 CURVE public key/);
    expectError(decodeMessage([rawHeader({ ...rawHello, curvePublicKey: 42 })]), 'invalid-header', /curvePublicKey:/);
    const rawWelcome = { ...examples.WELCOME.init, protocol: PROTOCOL_VERSION };
    expectError(decodeMessage([rawHeader({ ...rawWelcome, peerKeys: [keyA] })]), 'invalid-header', /peerKeys must list one public key per ring peer/);
    expectError(decodeMessage([rawHeader({ ...rawWelcome, peerKeys: [keyA, 'x'.repeat(39) + '~'] })]), 'invalid-header', /peerKeys\.1: must be a 40-character Z85/);
  });

  it('refuses SAMPLES whose frame does not hold count × height × width × channels floats', () => {
    expect(() => encodeMessage({ ...examples.SAMPLES.init, count: 3 }, { values: examples.SAMPLES.values as Float32Array[] })).toThrow(
      /SAMPLES: payload: the frame must hold count × height × width × channels floats/,
    );
  });

  it('refuses WEIGHTS whose names or shapes do not match the frames', () => {
    const values = examples.WEIGHTS.values as Float32Array[];
    expect(() => encodeMessage({ ...examples.WEIGHTS.init, names: ['only-one'] }, { values })).toThrow(/names and shapes must list every payload frame/);
    expect(() => encodeMessage({ ...examples.WEIGHTS.init, shapes: [[3, 3], [3]] }, { values })).toThrow(/each frame must hold as many floats as its shape/);
  });

  it('refuses STATE with unnamed frames, non-f32 frames, unsafe paths or a file listed twice', () => {
    const { init, values } = examples.STATE as { init: Extract<MessageInit, { type: 'STATE' }>; values: Float32Array[] };
    expect(() => encodeMessage({ ...init, binaries: ['optimizer.bin'] }, { values })).toThrow(/binaries must name every payload frame/);
    expect(() => encodeMessage(init, { dtype: 'f16', values })).toThrow(/state frames must be f32/);
    expect(() => encodeMessage({ ...init, binaries: ['../../etc/passwd', 'optimizer.bin'] }, { values })).toThrow(/plain relative path/);
    expect(() => encodeMessage({ ...init, texts: { '/abs.json': '{}' } }, { values })).toThrow(/texts.\/abs.json: Invalid key/);
    expect(() => encodeMessage({ ...init, texts: { 'optimizer.bin': '' } }, { values })).toThrow(/each file may appear once/);
    // A hand-made STATE whose frame is shorter than declared is refused by the decoder, not thrown.
    const frames = encodeMessage(init, { values });
    const result = decodeMessage([frames[0], frames[1], frames[2].subarray(0, 4)]);
    expectError(result, 'frame-size-mismatch', /STATE frame 1 has 4 bytes but declares 2 f32 values/);
  });

  describe('refuses malformed input without throwing', () => {
    const valid = (): Buffer[] => encodeMessage(examples.GRADS.init, { values: examples.GRADS.values as Float32Array[] });

    it('empty message / empty header', () => {
      expectError(decodeMessage([]), 'empty-message', /without a header frame/);
      expectError(decodeMessage([Buffer.alloc(0)]), 'empty-message', /header/);
    });

    it('truncated msgpack', () => {
      const [header, ...rest] = valid();
      expectError(decodeMessage([header.subarray(0, header.length - 5), ...rest]), 'malformed-header', /not valid msgpack/);
    });

    it('garbage and trailing bytes', () => {
      expectError(decodeMessage([Buffer.from([0xc1, 0xc1, 0xc1])]), 'malformed-header', /not valid msgpack/);
      const [header] = encodeMessage(examples.STEP.init);
      expectError(decodeMessage([Buffer.concat([header, Buffer.from([1, 2])])]), 'malformed-header', /not valid msgpack/);
    });

    it('a header that is not a map', () => {
      expectError(decodeMessage([rawHeader([1, 2, 3] as unknown as Record<string, unknown>)]), 'malformed-header', /an array/);
      expectError(decodeMessage([Buffer.from(pack('HELLO'))]), 'malformed-header', /got string/);
    });

    it('wrong protocol version, before anything else', () => {
      const error = expectError(
        decodeMessage([rawHeader({ type: 'NOPE', protocol: PROTOCOL_VERSION + 1, generation: 1, step: 2 })]),
        'wrong-version',
        new RegExp(`protocol ${PROTOCOL_VERSION + 1}.*speaks ${PROTOCOL_VERSION}`),
      );
      expect(error.context).toEqual({ type: 'NOPE', generation: 1, step: 2 });
      expectError(decodeMessage([rawHeader({ type: 'STEP', generation: 1, step: 2, through: 2, checksumSteps: [] })]), 'wrong-version', /undefined/);
    });

    it('unknown type', () => {
      expectError(
        decodeMessage([rawHeader({ type: 'GRADZ', protocol: PROTOCOL_VERSION, generation: 0, step: 0 })]),
        'unknown-type',
        /"GRADZ".*known types: HELLO/,
      );
    });

    it('wrong field types and ranges, naming the field', () => {
      const header = { ...examples.STEP.init, protocol: PROTOCOL_VERSION };
      expectError(decodeMessage([rawHeader({ ...header, step: 'seven' })]), 'invalid-header', /Invalid STEP header: step:/);
      expectError(decodeMessage([rawHeader({ ...header, generation: -1 })]), 'invalid-header', /generation:/);
      expectError(decodeMessage([rawHeader({ ...header, step: 1.5 })]), 'invalid-header', /step:/);
      expectError(decodeMessage([rawHeader({ ...header, checksumSteps: undefined })]), 'invalid-header', /checksumSteps:/);
      expectError(decodeMessage([rawHeader({ ...header, through: header.step - 1 })]), 'invalid-header', /through must not come before step/);
      expectError(decodeMessage([rawHeader({ ...header, checksumSteps: [header.through + 1] })]), 'invalid-header', /checksum steps must lie in step\.\.through/);
      expectError(decodeMessage([rawHeader({ ...header, metricsThrough: -2 })]), 'invalid-header', /metricsThrough:/);
      const done = { ...examples.STEP_DONE.init, protocol: PROTOCOL_VERSION };
      const report = (step: number) => ({ step, sampleCount: 1, values: {} });
      expectError(decodeMessage([rawHeader({ ...done, earlier: [report(done.step)] })]), 'invalid-header', /earlier reports must be of steps before step, in increasing order/);
      expectError(decodeMessage([rawHeader({ ...done, earlier: [report(1), report(0)] })]), 'invalid-header', /earlier reports must be of steps before step/);
      expect(decodeMessage([rawHeader({ ...done, earlier: [report(0), report(1)] })]).ok).toBe(true);
      const hello = { ...examples.HELLO.init, protocol: PROTOCOL_VERSION };
      expectError(decodeMessage([rawHeader({ ...hello, devices: 'GPU:0' })]), 'invalid-header', /devices:/);
      const welcome = { ...examples.WELCOME.init, protocol: PROTOCOL_VERSION };
      expectError(decodeMessage([rawHeader({ ...welcome, rank: 2 })]), 'invalid-header', /rank must be below worldSize/);
      const stalled = { ...examples.REDUCE_STALLED.init, protocol: PROTOCOL_VERSION };
      expect(decodeMessage([rawHeader({ ...stalled, unreachable: [0, 2] })]).ok).toBe(true);
      expectError(decodeMessage([rawHeader({ ...stalled, unreachable: [-1] })]), 'invalid-header', /unreachable\.0:/);
      expectError(decodeMessage([rawHeader({ ...stalled, unreachable: Array(4097).fill(0) })]), 'invalid-header', /unreachable:/);
    });

    it('payload declared on a message type that has none, or frames without a declaration', () => {
      const [header] = encodeMessage(examples.STEP.init);
      expectError(decodeMessage([header, Buffer.alloc(8)]), 'frame-count-mismatch', /declares no float frames but 1/);
      expect(() => encodeMessage(examples.STEP.init, { values: [new Float32Array(2)] })).toThrow(/carry no float frames/);
    });

    it('missing payload where one is required', () => {
      const fields = { ...examples.GRADS.init, protocol: PROTOCOL_VERSION };
      expectError(decodeMessage([rawHeader(fields)]), 'invalid-header', /payload/);
    });

    it('frame count different from the declaration', () => {
      const [header, frame] = valid();
      expectError(decodeMessage([header]), 'frame-count-mismatch', /declares 1 float frames but 0/);
      expectError(decodeMessage([header, frame, frame]), 'frame-count-mismatch', /declares 1 float frames but 2/);
    });

    it('frame size different from the declaration', () => {
      const [header, frame] = valid();
      expectError(decodeMessage([header, frame.subarray(0, frame.length - 4)]), 'frame-size-mismatch', /has 8 bytes but declares 3 f32 values \(12 bytes\)/);
      expectError(decodeMessage([header, Buffer.concat([frame, Buffer.alloc(2)])]), 'frame-size-mismatch', /14 bytes/);
    });

    it('bucket that does not fit its vector', () => {
      const fields = { ...examples.GRADS.init, protocol: PROTOCOL_VERSION, payload: { dtype: 'f32', lengths: [5] }, offset: 4, totalLength: 7 };
      expectError(decodeMessage([rawHeader(fields), Buffer.alloc(20)]), 'invalid-header', /offset \+ length within totalLength/);
    });

    it('huge declared sizes, before reading frames', () => {
      const fields = { ...examples.GRADS.init, protocol: PROTOCOL_VERSION, totalLength: 2 ** 40, payload: { dtype: 'f32', lengths: [2 ** 38] } };
      expectError(decodeMessage([rawHeader(fields), Buffer.alloc(4)]), 'too-large', /above the frame limit of 268435456 bytes/);
      const many = { ...examples.WEIGHTS.init, protocol: PROTOCOL_VERSION, names: Array(5000).fill('w'), shapes: Array(5000).fill([1]), payload: { dtype: 'f32', lengths: Array(5000).fill(1) } };
      expectError(decodeMessage([rawHeader(many)]), 'too-large', /5000 frames, above the limit of 4096/);
      const limits = { ...DEFAULT_DECODE_LIMITS, maxPayloadBytes: 16 };
      const weights = encodeMessage(examples.WEIGHTS.init, { values: examples.WEIGHTS.values as Float32Array[] });
      expectError(decodeMessage(weights, limits), 'too-large', /36 payload bytes, above the limit of 16/);
      expectError(decodeMessage(weights, { ...DEFAULT_DECODE_LIMITS, maxHeaderBytes: 10 }), 'too-large', /Header frame of \d+ bytes/);
      const unsafe = { ...examples.STEP.init, protocol: PROTOCOL_VERSION, step: 2 ** 60 };
      expectError(decodeMessage([rawHeader(unsafe)]), 'invalid-header', /step:/);
    });

    it('refuses to encode an invalid header, naming the field', () => {
      expect(() => encodeMessage({ ...examples.GRADS.init, weight: -1 } as MessageInit, { values: [new Float32Array(3)] })).toThrow(/Cannot send GRADS: weight:/);
      expect(() => encodeMessage({ ...examples.STEP.init, step: -2 })).toThrow(ProtocolError);
    });
  });

  it('carries non-finite metric values (a diverging loss must still be reported)', () => {
    const init = { type: 'STEP_DONE' as const, ...base, rank: 0, sampleCount: 1, values: { loss: NaN, grad: Infinity } };
    const header = decodeMessageOrThrow(encodeMessage(init)).header;
    expect(header).toMatchObject({ values: { loss: NaN, grad: Infinity } });
    expect(decodeMessage([rawHeader({ ...init, protocol: PROTOCOL_VERSION, values: { loss: 'high' } })]).ok).toBe(false);
  });

  it('flags stale and future generations', () => {
    const header = decodeMessageOrThrow(encodeMessage(examples.STEP.init)).header;
    expect(checkGeneration(header, 3)).toBeNull();
    const stale = checkGeneration(header, 4);
    expect(stale?.code).toBe('stale-generation');
    expect(stale?.message).toMatch(/STEP for step 17 belongs to generation 3.*now 4/);
    expect(checkGeneration(header, 2)?.code).toBe('future-generation');
  });
});

describe('decoded envelopes and the garbage collector', () => {
  it("lets a received frame go at the next minor GC once its envelope is dropped (a getter in an object literal kept them all to the next full GC)", () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void;
    gc({ type: 'major' });
    const before = process.memoryUsage().arrayBuffers;
    const values = new Float32Array(256 * 1024); // 1 MiB a frame
    for (let step = 0; step < 40; step++) {
      const sent = encodeMessage({ type: 'RING_CHUNK', generation: 1, step, rank: 0, phase: 0, bucket: 0, round: 0, chunk: 0, weightSum: 1 }, { dtype: 'f32', values: [values] });
      const result = decodeMessage(sent.map((frame) => Buffer.from(frame))); // memory of its own, as a receive gives
      if (!result.ok) throw result.error;
      expect(result.envelope.payload[0]).toHaveLength(values.length);
    }
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const keptMiB = (process.memoryUsage().arrayBuffers - before) / 1048576;
    expect(keptMiB).toBeLessThan(20); // 40 MiB were received; about 40 stayed with the literal, about 7 with the class
  });
});
