// Protocol
export { PROTOCOL_VERSION } from './protocol/protocol-version';
export { ProtocolError, type ProtocolErrorCode, type ProtocolErrorContext } from './protocol/protocol-error';
export {
  AvgHeader,
  ErrorHeader,
  FloatDtype,
  GradsHeader,
  HeartbeatHeader,
  HelloHeader,
  MESSAGE_SCHEMAS,
  MESSAGE_TYPES,
  PAYLOAD_TYPES,
  PayloadDescriptor,
  ReduceStalledHeader,
  RingChunkHeader,
  RingReadyHeader,
  SamplesHeader,
  ShutdownHeader,
  StateHeader,
  MAX_EARLIER_REPORTS,
  StepDoneHeader,
  StepHeader,
  StepReport,
  WeightsChecksum,
  WeightsHeader,
  WelcomeHeader,
  isMessageType,
  type HeaderOf,
  type MessageHeader,
  type MessageInit,
  type MessageType,
} from './protocol/messages';
export {
  DEFAULT_DECODE_LIMITS,
  decodeMessage,
  decodeMessageOrThrow,
  encodeMessage,
  isEnvelopeOf,
  type DecodeLimits,
  type DecodeResult,
  type Envelope,
  type PayloadInit,
} from './protocol/message-codec';
export { checkGeneration } from './protocol/check-generation';
export { reportsStep } from './protocol/step-reports';
export { bytesPerElement, floatsFromFrame, frameFromFloats } from './protocol/float-frames';
export { decodeFloat16, encodeFloat16 } from './protocol/float16';

// Transport
export {
  CoordinatorSocket,
  DEFAULT_COORDINATOR_ENDPOINT,
  type CoordinatorSocketOptions,
  type Incoming,
  type PeerId,
} from './transport/coordinator-socket';
export { WorkerSocket, type WorkerSocketOptions } from './transport/worker-socket';
export { curveClientSocketOptions, type CurveClientOptions, type CurveKeyPair, type CurveServerOptions, type RingCurveOptions } from './transport/curve-options';
export { publicKeyFileFor, readAllowList, readCurveKeyPair, readPublicKey, secretKeyPermissionWarning, writeCurveKeyPair, type CurveKeyFiles } from './transport/curve-key-files';
export { isZ85Key } from './transport/z85-key';
export { z85Encode } from './transport/z85-encode';
export { ZAP_ENDPOINT, ZapHandler, type ZapHandlerOptions } from './transport/zap-handler';
export { heartbeatSocketOptions, type HeartbeatOptions } from './transport/heartbeat-options';
export { checkEndpoint, InvalidEndpointError, type EndpointUse } from './transport/check-endpoint';
export { PeerUnreachableError, SocketClosedError, WaitAbortedError, WaitTimeoutError } from './transport/transport-errors';
export type { WaitOptions } from './transport/wait-options';
export { defaultAdvertiseHost, endpointHost, isLoopbackEndpoint, tcpEndpointParts } from './transport/network-address';
export { probeTcpEndpoint, unreachablePeers } from './transport/peer-reachability';
export { stallGatherMs, stallProbeMs } from './reduce/stall-timing';
export { unencryptedBindWarning } from './transport/unencrypted-bind-warning';

// Reducers
export {
  DEFAULT_BUCKET_BYTES,
  DEFAULT_REDUCE_TIMEOUT_MS,
  GradientReducer,
  membershipFromWelcome,
  resolveReducerConfig,
  type Membership,
  type ReduceContext,
  type ReducerConfig,
  type ReducerOptions,
} from './reduce/gradient-reducer';
export {
  GradientReducerRegistry,
  createDefaultReducerRegistry,
  type GradientReducerFactory,
  type ReducerDependencies,
} from './reduce/gradient-reducer-registry';
export {
  ReduceAbortedError,
  ReduceContextError,
  ReduceTimeoutError,
  type ReduceStall,
  ReducerDependencyError,
  UnknownReducerError,
} from './reduce/reducer-errors';
export { StarReducer, type StarWorkerTransport } from './reduce/star-reducer';
export { StarAggregator, type StarAcceptResult, type StarAggregatorOptions, type StarCoordinatorTransport } from './reduce/star-aggregator';
export { RingReducer, type RingReducerTransport } from './reduce/ring-reducer';
export { RingTransport, ringKey, type RingTransportOptions } from './reduce/ring-transport';
export { bucketLayout, chunkSlice, type Slice } from './reduce/bucket-layout';
export { foldWeightedMean, weightedMeanOf } from './reduce/weighted-mean';
export { commModule } from './comm-module';

// Testing: a coordinator and N workers in one process over real sockets.
export { LocalCluster, type LocalClusterOptions, type LocalRank } from './reduce/testing/local-cluster';
export { atomicMarkingForLargeMessages, INCREMENTAL_MARKING_ENV } from './transport/large-message-gc';
export { DEFAULT_SCAVENGE_EVERY_BYTES, minorGarbageCollection, ReceivedFrameScavenger, type ScavengeOptions } from './transport/received-frame-scavenger';
export { FRAME_MALLOC_TUNABLES, missingFrameMallocTunables, runsOnGlibc, withFrameMallocTunables } from './transport/frame-malloc-tunables';
export { seededRandom } from './soak/soak-plan';
