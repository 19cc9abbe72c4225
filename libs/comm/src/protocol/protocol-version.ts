/**
 * Version of the wire protocol in every header's `protocol` field. Bump it
 * whenever a message's fields or meaning change; a peer speaking another
 * version is refused with a `wrong-version` ProtocolError.
 *
 * 1: the first protocol. 2: SAMPLES and WEIGHTS; HELLO's pipelineHash may be null.
 * 3: REDUCE_STALLED; WELCOME.reducer.timeoutMs.
 * 4: METRICS and CHECKSUM ride in STEP_DONE (sampleCount, values, checksum?): one message a step per rank;
 *    STEP grants steps step..through (checksumSteps in place of checksum).
 * 5: STEP_DONE only at a grant's barrier steps, from every rank; rank 0's carries `earlier` (the steps before it not
 *    yet written); STEP.metricsThrough says which reports the coordinator has written.
 * 6: REDUCE_STALLED.unreachable: the ranks whose ring endpoint the stalled rank could not connect to.
 */
export const PROTOCOL_VERSION = 6;
