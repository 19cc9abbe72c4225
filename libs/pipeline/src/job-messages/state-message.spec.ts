import { type Envelope, type StateHeader, decodeMessage, encodeMessage } from '@ganglion/comm';
import { CorruptCheckpointError } from '../checkpoints/checkpoint-errors';
import { CHECKPOINT_MANIFEST, sha256 } from '../checkpoints/checkpoint-manifest';
import { verifyCheckpointFiles } from '../checkpoints/checkpoint-reader';
import { stateFiles, stateMessage } from './state-message';

/** A checkpoint file set with its manifest, as checkpointFiles() lays it out. */
function fileSet(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  // An odd offset inside a larger buffer, as Buffer.concat of small files gives: must survive as f32 frames.
  const weights = Buffer.alloc(13).subarray(1, 13);
  new Float32Array(3).forEach((_, i) => weights.writeFloatLE(i + 0.5, i * 4));
  files.set('networks/net/model.json', Buffer.from('{"format":"layers-model","ü":"ß"}'));
  files.set('networks/net/group1-shard1of1.bin', weights);
  files.set('optimizer.json', Buffer.from('{"format":"ganglion-optimizer-state"}'));
  files.set('optimizer.bin', Buffer.from(Float32Array.of(1, -2, 3e-8).buffer));
  files.set('trainer-state.json', Buffer.from(JSON.stringify({ format: 'ganglion-trainer-state', step: 4 })));
  const manifest = {
    format: 'ganglion-checkpoint',
    version: 1,
    step: 4,
    files: Object.fromEntries([...files].map(([name, bytes]) => [name, { bytes: bytes.byteLength, sha256: sha256(bytes) }])),
  };
  files.set(CHECKPOINT_MANIFEST, Buffer.from(JSON.stringify(manifest)));
  return files;
}

function sendAndReceive(files: Map<string, Uint8Array>): Envelope<StateHeader> {
  const { init, payload } = stateMessage(files, { generation: 2, rank: 0, step: 4, phase: 1 });
  const result = decodeMessage(encodeMessage(init, payload));
  if (!result.ok) throw result.error;
  return result.envelope as Envelope<StateHeader>;
}

describe('STATE messages', () => {
  it('carry a checkpoint file set byte for byte: JSON as text, float data as f32 frames, and it verifies', () => {
    const files = fileSet();
    const envelope = sendAndReceive(files);
    expect(envelope.header).toMatchObject({ type: 'STATE', generation: 2, step: 4, phase: 1, rank: 0 });
    expect(envelope.header.binaries.sort()).toEqual(['networks/net/group1-shard1of1.bin', 'optimizer.bin']);
    const received = stateFiles(envelope);
    expect([...received.keys()].sort()).toEqual([...files.keys()].sort());
    for (const [name, bytes] of files) expect(Buffer.from(received.get(name) as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    expect(verifyCheckpointFiles('STATE from rank 0', received).state.step).toBe(4);
  });

  it('a file changed in transit fails the manifest check, naming the file', () => {
    const envelope = sendAndReceive(fileSet());
    const received = stateFiles(envelope);
    (received.get('optimizer.bin') as Uint8Array)[0] ^= 0x01;
    expect(() => verifyCheckpointFiles('STATE from rank 0', received)).toThrow(CorruptCheckpointError);
    expect(() => verifyCheckpointFiles('STATE from rank 0', received)).toThrow('optimizer.bin does not match its sha256');
  });

  it('refuses a binary file that is not whole float32 values', () => {
    const files = fileSet();
    files.set('extra.bin', Buffer.from([1, 2, 3]));
    expect(() => stateMessage(files, { generation: 1, rank: 0, step: 4, phase: 0 })).toThrow(/extra.bin has 3 bytes, not whole float32 values/);
  });
});
