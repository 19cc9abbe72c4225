/** How one allreduce measurement moves its bytes. */
export type ReduceMethod =
  /** StarReducer: every worker sends to the coordinator (this parent process), which averages and sends back. */
  | 'star'
  /** RingReducer: reduce-scatter then all-gather between neighbours. */
  | 'ring'
  /** Raw node:net sockets in a ring with the ring allreduce's rounds (2(N-1), one chunk of vector/N each, each after the last arrived), no arithmetic. */
  | 'tcp-ring'
  /** Raw node:net sockets in a ring, each rank streaming at once what a ring allreduce sends per rank (2(N-1)/N of the vector): no rounds. */
  | 'tcp-stream'
  /** Raw node:net sockets to a hub (this parent process): each rank sends the vector and gets as many bytes back. */
  | 'tcp-star'
  /**
   * Raw ZeroMQ PUSH/PULL in a ring (what RingTransport uses) with the ring
   * allreduce's message pattern: 2(N-1) rounds, each sending one chunk of
   * vector/N to the right and receiving one from the left, no arithmetic.
   */
  | 'zmq-ring';

/** One cell of the reducer table. */
export interface ReduceCase {
  readonly method: ReduceMethod;
  /** Frames as float16 (star and ring only). */
  readonly fp16: boolean;
  readonly worldSize: number;
  /** Vector length in MiB of float32. */
  readonly mebibytes: number;
}

/** Runs per case: how many measured allreduces, after how many untimed ones. */
export interface ReduceRuns {
  readonly runs: number;
  readonly warmup: number;
}

/** Label for tables: `ring fp16`, `raw TCP ring`. */
export function reduceMethodLabel(method: ReduceMethod, fp16: boolean): string {
  switch (method) {
    case 'star':
    case 'ring':
      return `${method} ${fp16 ? 'fp16' : 'f32'}`;
    case 'tcp-ring':
      return 'raw TCP ring';
    case 'tcp-stream':
      return 'raw TCP stream';
    case 'tcp-star':
      return 'raw TCP star';
    case 'zmq-ring':
      return 'raw ZeroMQ ring';
  }
}

/** Float32 values in `mebibytes` MiB. */
export function floatsIn(mebibytes: number): number {
  return Math.round((mebibytes * 2 ** 20) / 4);
}

/** Bytes a rank sends (and receives) per allreduce in a ring of `worldSize`, for a vector of `bytes`. */
export function ringBytesPerRank(bytes: number, worldSize: number): number {
  return Math.ceil((2 * (worldSize - 1) * bytes) / worldSize);
}
