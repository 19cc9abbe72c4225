/** ZMTP heartbeats: libzmq pings the peer and drops a connection that stays silent. */
export interface HeartbeatOptions {
  /** Milliseconds between PINGs on an idle connection; 0 turns heartbeats off. */
  readonly intervalMs: number;
  /** Milliseconds without any traffic after a PING before the connection is dropped. Default: 3 × intervalMs. */
  readonly timeoutMs?: number;
  /** Milliseconds the remote side waits without traffic before it drops the connection. Default: 3 × intervalMs. */
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
  return {
    heartbeatInterval: heartbeat.intervalMs,
    heartbeatTimeout: heartbeat.timeoutMs ?? 3 * heartbeat.intervalMs,
    heartbeatTimeToLive: heartbeat.timeToLiveMs ?? 3 * heartbeat.intervalMs,
  };
}
