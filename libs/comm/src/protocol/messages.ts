/**
 * Ganglion wire protocol: the messages between the coordinator and its
 * workers, and between workers on a ring.
 *
 * Framing. Every message is a ZeroMQ multipart message `[header, ...floats]`.
 * The header is a msgpack map (msgpackr, no record extension) with at least
 * `type`, `protocol` (= PROTOCOL_VERSION), `generation` and `step`. Float
 * vectors never travel inside msgpack: a header that carries floats declares
 * `payload: { dtype: 'f32' | 'f16', lengths: [n0, n1, ...] }` and exactly one
 * raw little-endian frame per entry follows, of `n * 4` (f32) or `n * 2`
 * (f16, IEEE binary16) bytes. The receiver checks every size against the
 * declaration and its DecodeLimits before it touches a float (codec:
 * `message-codec.ts`). On a ROUTER the routing-id frame comes first and is
 * stripped by CoordinatorSocket.
 *
 * Sockets. The coordinator binds one ROUTER (mandatory, linger 0). Each
 * worker connects one DEALER (linger 0) whose routing id is its worker id,
 * so a restarted worker comes back under the same identity. For the ring
 * strategy each worker also binds a PULL (its "ring endpoint") and connects
 * a PUSH to its right neighbour's. With CURVE keys every one of these is
 * encrypted: the ROUTER and each ring PULL are CURVE servers with an
 * allow-list (ZAP), the DEALER and each PUSH CURVE clients.
 *
 * Protocol, in the order a job runs it:
 *
 * 1. HELLO (worker → coordinator). A worker announces `workerId`, `host`,
 *    `pid`, `backend`, `devices`, its `ringEndpoint` (null when it has no
 *    ring socket) and `pipelineHash` (hash of its pipeline file, or null
 *    for a worker started without one: it loads the path WELCOME names and
 *    checks the hash itself). With CURVE also `curvePublicKey`: the
 *    coordinator admits the worker only if that key is one its ZAP handler
 *    authenticated on this socket and no other member holds it. Header
 *    `generation` is the last generation the worker knew (0 when new) and
 *    is not checked. The coordinator
 *    refuses a hash that differs from its own with
 *    ERROR { code: 'pipeline-mismatch', fatal: true }.
 *
 * 2. WELCOME (coordinator → worker). Sent to every member each time
 *    membership changes: `rank`, `worldSize`, the new `generation`, `seed`,
 *    `step` (the step to start from), `pipeline` { path, hash, options },
 *    `reducer` { name, bucketBytes, fp16 } and `peers` (ring endpoints by
 *    rank, empty for `star`); with CURVE and a ring, `peerKeys` (each
 *    rank's public key): a worker's ring PULL then lets in only those keys
 *    and its PUSH checks the right neighbour's. Weights do not travel in
 *    WELCOME: a worker joining a running job gets them in STATE (13). A
 *    worker adopts the generation of the newest
 *    WELCOME and from then on drops anything older (`checkGeneration`).
 *
 * 3. RING_READY (worker → coordinator). After WELCOME the worker loads
 *    its pipeline, data and model, configures its reducer (ring: connects
 *    to `peers[(rank + 1) % worldSize]`) and says so; Ganglion's workers
 *    send it whatever the reducer. The coordinator waits for all ranks
 *    before the first STEP of a generation.
 *
 * 4. STEP (coordinator → all workers). Grants steps `step` .. `through`:
 *    the ranks run them one after the other without waiting for another
 *    STEP (the ring keeps them in lock-step; the coordinator only needs
 *    their STEP_DONEs). The star grants one step at a time; the ring
 *    `stepWindow` steps (default 8), so that the coordinator sends one
 *    message per rank every few steps instead of every step, and a joiner
 *    is let in at the end of a grant. A grant also ends at a checkpoint
 *    step. `checksumSteps` are the steps whose STEP_DONE carries a weights
 *    checksum; `metricsThrough` the last step whose metrics line the
 *    coordinator has written (7).
 *
 * 5. Per phase of the step (0, then 1 for a GAN), every rank reduces its
 *    gradient vector, weighted by its local sample count:
 *    - star: GRADS (worker → coordinator) per bucket of at most
 *      `bucketBytes`, with `rank`, `phase`, `bucket`, `bucketCount`,
 *      `offset`, `totalLength` and `weight`; once every rank of the
 *      generation sent a bucket, the coordinator answers every rank with
 *      AVG (same layout fields, `weightSum`) carrying
 *      sum_r(w_r v_r) / sum_r(w_r). StarAggregator implements this side.
 *    - ring: RING_CHUNK (worker → right neighbour) per bucket and round:
 *      rounds 0 .. n-2 reduce-scatter a running weighted mean (`weightSum`
 *      is the weight folded in so far), rounds n-1 .. 2n-3 all-gather the
 *      final mean. The coordinator sees none of it. RingReducer.
 *    The reducer resolves with the same bytes on every rank.
 *
 * 6. SAMPLES (worker → coordinator, rank 0 only) after a step that draws a
 *    sample grid: `rank`, the images' `count`, `height`, `width`,
 *    `channels` and `pixelRange`, with the NHWC pixels as one f32 frame;
 *    the coordinator writes the PNG.
 *
 * 7. STEP_DONE (worker → coordinator): the barrier. Every rank sends one
 *    after a grant's last step and after its checksum steps (with the
 *    star, every step is a grant's last); inside a grant the coordinator
 *    hears nothing. Fields: `rank`, `sampleCount`, named numeric `values`
 *    (loss/<phase>, stepMs: the wall time since the rank's previous step
 *    ended, endedAtMs...) and, when STEP asked for one, `checksum`: a
 *    `value` (hex digest of the weights) with its `algorithm`. Differing
 *    checksums mean the replicas diverged: the coordinator stops the job.
 *    Rank 0's also carries `earlier`: its reports of the steps before
 *    `step` that the coordinator has not written (every step after the
 *    latest STEP's `metricsThrough`). Once every rank reported a barrier
 *    step, the coordinator writes rank 0's reports through it, one
 *    metrics line per step (the losses are the reduced global means, the
 *    same on every rank), and sends the next STEP when the barrier was the
 *    grant's last. Every rank keeps its reports until a STEP's
 *    `metricsThrough` covers them, across a change of membership: the
 *    steps a generation finished before it ended reach the coordinator in
 *    the next generation's first STEP_DONE of rank 0 (or, when no step is
 *    left to run, in one STEP_DONE of its last finished step just before
 *    WEIGHTS). Grants end at checkpoint steps, so a checkpoint never lies
 *    ahead of the metrics written. Protocol 4 had rank 0 report every
 *    step; protocol 3 sent METRICS, CHECKSUM and STEP_DONE from every
 *    rank every step.
 *
 * 8. HEARTBEAT (coordinator → workers every few seconds; any time): `sentAtMs`.
 *    ZMTP heartbeats on the ROUTER (`HeartbeatOptions`, timeout
 *    --worker-timeout) drop the connection of a worker that stopped
 *    answering (hung, SIGSTOPped), so the next send to it fails. A worker
 *    that hears no HEARTBEAT for --coordinator-timeout (time its own event
 *    loop was blocked by computing excluded) counts the coordinator as
 *    gone: it exits non-zero, or with --wait-for-coordinator sends HELLO
 *    until a restarted coordinator (`--resume`) welcomes it.
 *
 * 9. Membership change: a send to a worker fails (killed; or hung, and
 *    dropped by the ZMTP heartbeat timeout), or a new HELLO arrives during
 *    training (admitted at the end of the current grant of steps). The coordinator bumps
 *    the generation, forgets the step in flight (StarAggregator.setMembership
 *    drops its partial sums), re-ranks the workers (survivors first, in
 *    their old order, then joiners) and sends each a WELCOME (step 2) with
 *    `syncState`: 'send' to rank 0, 'receive' to the others. A worker that
 *    gets a newer WELCOME mid-step abandons its reduction without applying
 *    it. Rank 0 sends its STATE (13), the coordinator forwards it to every
 *    other rank, so all continue from rank 0's exact position (the
 *    interrupted step, or its remaining phases). Every receiver refuses
 *    messages of an older generation, so nothing from the aborted step can
 *    leak into the new one.
 *
 * 10. WEIGHTS (worker → coordinator, rank 0) after the last step: the
 *    trained weights, one f32 frame per variable named by `names` with
 *    its `shapes`, in the fixed variable order; `step` is the number of
 *    steps trained. The coordinator writes final-weights.json/.bin.
 *
 * 11. ERROR (either way): a refusal, `code` (a ProtocolErrorCode or an
 *    application code such as 'pipeline-mismatch'), `reason` in words, and
 *    `fatal` (the receiver should stop).
 *
 * 12. SHUTDOWN (coordinator → workers) at the end or on Ctrl-C, after the
 *    coordinator wrote its checkpoint: `reason`. Workers close their
 *    sockets and exit 0.
 *
 * 13. STATE (either way): everything a checkpoint holds, as the files of a
 *    checkpoint folder (see @ganglion/pipeline's checkpoint writer): the
 *    JSON files (model.json per network, optimizer.json,
 *    trainer-state.json, manifest.json) as strings in `texts`, the binary
 *    ones (weights, optimizer.bin; float32 data) as f32 frames named by
 *    `binaries`. `step` is the step training resumes at and `phase` the
 *    phases of that step already applied (0 except when a membership
 *    change interrupted a multi-phase step). Rank 0 sends it to the
 *    coordinator every `checkpointEvery` steps and at the end (the
 *    coordinator writes the checkpoint) and after a WELCOME whose
 *    `syncState` is 'send'; the coordinator sends it to each worker whose
 *    WELCOME says 'receive' (on --resume, and to every other rank after a
 *    membership change), which loads it before RING_READY. The receiver
 *    checks every file against the manifest's sha256.
 *
 * 14. REDUCE_STALLED (worker → coordinator): this rank's reduction of
 *    `step`/`phase` made no progress for the reducer's timeout
 *    (WELCOME.reducer.timeoutMs, --reduce-timeout). `suspectRank`: the
 *    rank that did not deliver (the ring's left neighbour; null for star,
 *    where the coordinator knows who sent no GRADS), `received`: messages
 *    of that call received before the stall, `awaiting`: what, in words.
 *    `unreachable` (ring): the ranks whose ring endpoint this rank could
 *    not open a TCP connection to right after the stall. The worker then
 *    waits for a newer WELCOME. The coordinator gathers the reports of a
 *    generation for a moment, drops the rank whose link the probes show
 *    down (it reaches nobody, the others reach each other), else the peer
 *    that the report with the least progress names (a ring stall starts
 *    right behind it), and re-forms the group as in step 9: the step is
 *    redone.
 */
import { z } from 'zod';
import { isZ85Key } from '../transport/z85-key';

/** Non-negative safe integer (counts, ranks, steps, sizes). */
const count = z.int().min(0);
/** A CURVE public key as 40 characters of Z85. */
const curveKey = z.string().refine(isZ85Key, 'must be a 40-character Z85 CURVE public key');
/** A finite, non-negative number (weights). */
const weight = z.number().min(0).refine(Number.isFinite, 'must be finite');

/** Element type of the float frames that follow a header. */
export const FloatDtype = z.enum(['f32', 'f16']);
export type FloatDtype = z.infer<typeof FloatDtype>;

/** Declaration of the float frames after the header: one frame per entry of `lengths` (element counts). */
export const PayloadDescriptor = z.object({
  dtype: FloatDtype,
  lengths: z.array(count),
});
export type PayloadDescriptor = z.infer<typeof PayloadDescriptor>;

const singleFrame = PayloadDescriptor.refine((p) => p.lengths.length === 1, {
  message: 'must declare exactly one frame',
  path: ['lengths'],
});

const common = {
  protocol: z.int(),
  generation: count,
  step: count,
};

export const HelloHeader = z.object({
  type: z.literal('HELLO'),
  ...common,
  /** Stable id of the worker; also its DEALER routing id (1..255 bytes). */
  workerId: z.string().min(1).max(255),
  host: z.string(),
  pid: count,
  /** Compute backend the worker chose (`tensorflow`, `wasm`, `cpu`). */
  backend: z.string(),
  /** Devices the backend sees (e.g. `['GPU:0']`), empty when none. */
  devices: z.array(z.string()),
  /** The worker's bound ring endpoint (`tcp://host:port`), null without one. */
  ringEndpoint: z.string().nullable(),
  /** Hash of the worker's pipeline file (must equal the coordinator's), or null when the worker takes the path from WELCOME. */
  pipelineHash: z.string().nullable(),
  /**
   * With CURVE: the worker's public key, the one it connected with and its
   * ring socket serves with. The coordinator admits it only if its ZAP
   * handler authenticated that key. Absent without CURVE.
   */
  curvePublicKey: curveKey.optional(),
});
export type HelloHeader = z.infer<typeof HelloHeader>;

export const WelcomeHeader = z
  .object({
    type: z.literal('WELCOME'),
    ...common,
    rank: count,
    worldSize: z.int().min(1),
    seed: z.int(),
    pipeline: z.object({
      path: z.string(),
      hash: z.string(),
      /** Resolved pipeline options, plain data. */
      options: z.record(z.string(), z.unknown()),
    }),
    reducer: z.object({
      /** Registered reducer name: 'star' or 'ring'. */
      name: z.string(),
      bucketBytes: z.int().min(4),
      fp16: z.boolean(),
      /** A reduction that receives nothing for this long is reported stalled (REDUCE_STALLED). Absent: the reducer's default. */
      timeoutMs: z.number().positive().optional(),
    }),
    /** Ring endpoints by rank; empty for the star reducer. */
    peers: z.array(z.string()),
    /** With CURVE and the ring reducer: each rank's public key (HELLO.curvePublicKey), by rank. Absent otherwise. */
    peerKeys: z.array(curveKey).optional(),
    /**
     * What the worker does with its training state before RING_READY:
     * 'send' (rank 0 after a membership change: send STATE to the
     * coordinator and continue from it), 'receive' (wait for STATE from the
     * coordinator and load it), absent (a fresh job: start from the
     * model's initial weights at `step`).
     */
    syncState: z.enum(['send', 'receive']).optional(),
  })
  .refine((h) => h.rank < h.worldSize, { message: 'rank must be below worldSize', path: ['rank'] })
  .refine((h) => h.peers.length === 0 || h.peers.length === h.worldSize, {
    message: 'peers must be empty or list one endpoint per rank',
    path: ['peers'],
  })
  .refine((h) => h.peerKeys === undefined || h.peerKeys.length === h.peers.length, {
    message: 'peerKeys must list one public key per ring peer',
    path: ['peerKeys'],
  });
export type WelcomeHeader = z.infer<typeof WelcomeHeader>;

export const RingReadyHeader = z.object({ type: z.literal('RING_READY'), ...common, rank: count });
export type RingReadyHeader = z.infer<typeof RingReadyHeader>;

export const StepHeader = z
  .object({
    type: z.literal('STEP'),
    ...common,
    /** The last step of this grant: the ranks run `step` .. `through` without another STEP (1 step with the star, `stepWindow` with the ring). */
    through: count,
    /** Steps of the grant whose STEP_DONE carries a weights checksum. */
    checksumSteps: z.array(count),
    /** The last step whose metrics the coordinator has written (-1: none): the ranks forget their reports up to it (7). At or past `step` when the job went back to a checkpoint. */
    metricsThrough: z.int().min(-1),
  })
  .refine((h) => h.through >= h.step, { message: 'through must not come before step', path: ['through'] })
  .refine((h) => h.checksumSteps.every((s) => s >= h.step && s <= h.through), { message: 'checksum steps must lie in step..through', path: ['checksumSteps'] });
export type StepHeader = z.infer<typeof StepHeader>;

/** Bucket layout shared by GRADS and AVG: the slice [offset, offset + length) of a vector of totalLength floats. */
const bucketFields = {
  phase: count,
  bucket: count,
  bucketCount: z.int().min(1),
  offset: count,
  totalLength: count,
};

function bucketFits(h: {
  bucket: number;
  bucketCount: number;
  offset: number;
  totalLength: number;
  payload: PayloadDescriptor;
}): boolean {
  return h.bucket < h.bucketCount && h.offset + (h.payload.lengths[0] ?? 0) <= h.totalLength;
}
const bucketFitsMessage = {
  message: 'bucket must be below bucketCount and offset + length within totalLength',
  path: ['bucket'],
};

export const GradsHeader = z
  .object({
    type: z.literal('GRADS'),
    ...common,
    rank: count,
    ...bucketFields,
    /** This rank's weight (its local sample count). */
    weight,
    payload: singleFrame,
  })
  .refine(bucketFits, bucketFitsMessage);
export type GradsHeader = z.infer<typeof GradsHeader>;

export const AvgHeader = z
  .object({
    type: z.literal('AVG'),
    ...common,
    ...bucketFields,
    /** Sum of the weights of all ranks (0 when no rank had samples: the mean is then all zeros). */
    weightSum: weight,
    payload: singleFrame,
  })
  .refine(bucketFits, bucketFitsMessage);
export type AvgHeader = z.infer<typeof AvgHeader>;

export const RingChunkHeader = z.object({
  type: z.literal('RING_CHUNK'),
  ...common,
  /** Sender's rank. */
  rank: count,
  phase: count,
  bucket: count,
  /** 0 .. n-2 reduce-scatter, n-1 .. 2n-3 all-gather. */
  round: count,
  /** Index of the chunk of the bucket this frame holds. */
  chunk: count,
  /** Weight folded into the running mean so far (the total in all-gather rounds). */
  weightSum: weight,
  payload: singleFrame,
});
export type RingChunkHeader = z.infer<typeof RingChunkHeader>;

export const SamplesHeader = z
  .object({
    type: z.literal('SAMPLES'),
    ...common,
    rank: count,
    /** Number of images in the frame. */
    count: z.int().min(1),
    height: z.int().min(1),
    width: z.int().min(1),
    /** 1 (grey) or 3 (RGB). */
    channels: z.int().min(1).max(4),
    /** [min, max] of the pixel values, mapped to 0..255 when written. */
    pixelRange: z.tuple([z.number(), z.number()]),
    payload: singleFrame,
  })
  .refine((h) => h.payload.lengths[0] === h.count * h.height * h.width * h.channels, {
    message: 'the frame must hold count × height × width × channels floats',
    path: ['payload'],
  });
export type SamplesHeader = z.infer<typeof SamplesHeader>;

export const WeightsHeader = z
  .object({
    type: z.literal('WEIGHTS'),
    ...common,
    rank: count,
    /** Variable names, one per frame, in the fixed variable order. */
    names: z.array(z.string().min(1)),
    /** Shape of each variable. */
    shapes: z.array(z.array(count)),
    payload: PayloadDescriptor,
  })
  .refine((h) => h.names.length === h.payload.lengths.length && h.shapes.length === h.names.length, {
    message: 'names and shapes must list every payload frame',
    path: ['names'],
  })
  .refine((h) => h.shapes.every((shape, i) => shape.reduce((a, b) => a * b, 1) === h.payload.lengths[i]), {
    message: 'each frame must hold as many floats as its shape',
    path: ['shapes'],
  });
export type WeightsHeader = z.infer<typeof WeightsHeader>;

/** A plain relative path inside a checkpoint folder: no leading '/', no '..' or empty parts, no backslashes. */
const checkpointPath = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => !p.startsWith('/') && !p.includes('\\') && p.split('/').every((part) => part !== '' && part !== '.' && part !== '..'), 'must be a plain relative path');

export const StateHeader = z
  .object({
    type: z.literal('STATE'),
    ...common,
    /** Sender's rank (0 for the coordinator's own STATE). */
    rank: count,
    /** Phases of `step` already applied: 0 when `step` steps are complete. */
    phase: count,
    /** The checkpoint's text (JSON) files by relative path. */
    texts: z.record(checkpointPath, z.string()),
    /** Relative paths of the checkpoint's binary files, one per payload frame. */
    binaries: z.array(checkpointPath),
    payload: PayloadDescriptor,
  })
  .refine((h) => h.binaries.length === h.payload.lengths.length, { message: 'binaries must name every payload frame', path: ['binaries'] })
  .refine((h) => h.payload.dtype === 'f32', { message: 'state frames must be f32 (checkpoint files are sent byte for byte)', path: ['payload'] })
  .refine((h) => new Set([...h.binaries, ...Object.keys(h.texts)]).size === h.binaries.length + Object.keys(h.texts).length, {
    message: 'each file may appear once, in texts or binaries',
    path: ['binaries'],
  });
export type StateHeader = z.infer<typeof StateHeader>;

/** A digest of all of a rank's weights, for the coordinator to compare across ranks. */
export const WeightsChecksum = z.object({
  /** e.g. hex sha256 over the f32 bytes in variable order. */
  value: z.string(),
  algorithm: z.string(),
});
export type WeightsChecksum = z.infer<typeof WeightsChecksum>;

/** The step's named numbers (loss/<phase>, stepMs...). NaN and ±Infinity are allowed: a diverging loss must still be reported. */
const stepValues = z.record(z.string(), z.custom<number>((value) => typeof value === 'number', 'must be a number'));

/** The most earlier steps one STEP_DONE may carry: far more than any grant leaves unreported. */
export const MAX_EARLIER_REPORTS = 4096;

/** A step's report: what STEP_DONE says of its own step and of each `earlier` one. */
const stepReportFields = {
  /** Samples this rank trained on in the step. */
  sampleCount: count,
  values: stepValues,
};

/** One step's report as rank 0 keeps it until the coordinator has written it (STEP_DONE.earlier). */
export const StepReport = z.object({ step: count, ...stepReportFields });
export type StepReport = z.infer<typeof StepReport>;

export const StepDoneHeader = z
  .object({
    type: z.literal('STEP_DONE'),
    ...common,
    rank: count,
    ...stepReportFields,
    /** The weights after the step, when STEP asked for a checksum. */
    checksum: WeightsChecksum.optional(),
    /** Rank 0 only: its reports of the steps before `step` that the coordinator has not written yet (7), oldest first. */
    earlier: z.array(StepReport).max(MAX_EARLIER_REPORTS).optional(),
  })
  .refine((h) => (h.earlier ?? []).every((r, i, all) => r.step < h.step && (i === 0 || r.step > all[i - 1].step)), {
    message: 'earlier reports must be of steps before step, in increasing order',
    path: ['earlier'],
  });
export type StepDoneHeader = z.infer<typeof StepDoneHeader>;

/** Most ranks one REDUCE_STALLED may name unreachable (a bound on a worker's message, far above any world size). */
export const MAX_UNREACHABLE_RANKS = 4096;

export const ReduceStalledHeader = z.object({
  type: z.literal('REDUCE_STALLED'),
  ...common,
  rank: count,
  phase: count,
  /** The rank whose message did not come (the ring's left neighbour); null when the reducer cannot tell (star). */
  suspectRank: count.nullable(),
  /** Messages of the stalled call this rank received. */
  received: count,
  /** What the rank waited for, in words. */
  awaiting: z.string().max(1000),
  /** How long nothing arrived, ms. */
  stalledMs: z.number().min(0),
  /**
   * Ranks whose ring endpoint this rank could not open a TCP connection to
   * when it stalled (ring only; absent: not probed). They tell a broken
   * link from a hung peer: see unreachablePeers.
   */
  unreachable: z.array(count).max(MAX_UNREACHABLE_RANKS).optional(),
});
export type ReduceStalledHeader = z.infer<typeof ReduceStalledHeader>;

export const HeartbeatHeader = z.object({
  type: z.literal('HEARTBEAT'),
  ...common,
  /** Sender's clock (ms since epoch), for round-trip estimates only. */
  sentAtMs: z.number(),
});
export type HeartbeatHeader = z.infer<typeof HeartbeatHeader>;

export const ErrorHeader = z.object({
  type: z.literal('ERROR'),
  ...common,
  /** A ProtocolErrorCode or an application code such as 'pipeline-mismatch'. */
  code: z.string(),
  /** What was wrong and what to do, in words. */
  reason: z.string(),
  /** The receiver should stop rather than retry. */
  fatal: z.boolean(),
});
export type ErrorHeader = z.infer<typeof ErrorHeader>;

export const ShutdownHeader = z.object({
  type: z.literal('SHUTDOWN'),
  ...common,
  reason: z.string(),
});
export type ShutdownHeader = z.infer<typeof ShutdownHeader>;

/** Header schema of each message type, by type name. */
export const MESSAGE_SCHEMAS = {
  HELLO: HelloHeader,
  WELCOME: WelcomeHeader,
  RING_READY: RingReadyHeader,
  STEP: StepHeader,
  GRADS: GradsHeader,
  AVG: AvgHeader,
  RING_CHUNK: RingChunkHeader,
  SAMPLES: SamplesHeader,
  WEIGHTS: WeightsHeader,
  STEP_DONE: StepDoneHeader,
  HEARTBEAT: HeartbeatHeader,
  ERROR: ErrorHeader,
  SHUTDOWN: ShutdownHeader,
  STATE: StateHeader,
  REDUCE_STALLED: ReduceStalledHeader,
} as const;

export type MessageType = keyof typeof MESSAGE_SCHEMAS;
export const MESSAGE_TYPES = Object.freeze(Object.keys(MESSAGE_SCHEMAS) as MessageType[]);

/** Any decoded header. Narrow on `type`. */
export type MessageHeader = {
  [T in MessageType]: z.infer<(typeof MESSAGE_SCHEMAS)[T]>;
}[MessageType];

/** The header type of one message type. */
export type HeaderOf<T extends MessageType> = Extract<MessageHeader, { type: T }>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * What a sender writes: a header without `protocol` (the encoder sets it)
 * and without `payload` (the encoder derives it from the frames).
 */
export type MessageInit = DistributiveOmit<MessageHeader, 'protocol' | 'payload'>;

/** Message types whose header carries float frames. */
export const PAYLOAD_TYPES: ReadonlySet<MessageType> = new Set<MessageType>(['GRADS', 'AVG', 'RING_CHUNK', 'SAMPLES', 'WEIGHTS', 'STATE']);

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(MESSAGE_SCHEMAS, value);
}
