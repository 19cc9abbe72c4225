/** The largest ZMTP heartbeat time-to-live libzmq accepts: it travels in deciseconds, in 16 bits. */
export const MAX_HEARTBEAT_TTL_MS = 6_553_500;

/** ZMTP heartbeats: libzmq pings the peer and drops a connection that stays silent. */
export interface HeartbeatOptions {
  /** Milliseconds between PINGs on an idle connection; 0 turns heartbeats off. */
  readonly intervalMs: number;
  /** Milliseconds without any traffic after a PING before the connection is dropped. Default: 3 × intervalMs. */
  readonly timeoutMs?: number;
  /**
   * Milliseconds the remote side waits without traffic from this one before
   * it drops the connection (the PINGs carry it). Default: the timeout, at
   * most MAX_HEARTBEAT_TTL_MS. Shorter, the remote drops the connection
   * whenever it or this side did not run for that long (a stopped or
   * starved process), though this side would still have waited.
   */
  readonly timeToLiveMs?: number;
}

/** zeromq.js socket options for `heartbeat`; empty when it is undefined. */
export function heartbeatSocketOptions(heartbeat: HeartbeatOptions | undefined): {
  heartbeatInterval?: number;
  heartbeatTimeout?: number;
  heartbeatTimeToLive?: number;
} {
  if (heartbeat === undefined || heartbeat.intervalMs === 0) {
    return {};
  }
  const timeoutMs = heartbeat.timeoutMs ?? 3 * heartbeat.intervalMs;
  return {
    heartbeatInterval: heartbeat.intervalMs,
    heartbeatTimeout: timeoutMs,
    heartbeatTimeToLive: Math.min(heartbeat.timeToLiveMs ?? timeoutMs, MAX_HEARTBEAT_TTL_MS),
  };
}
