/** Where a cluster scheduler put this process in a job, read from its environment. */
export interface SchedulerPlacement {
  /**
   * Which convention the variables followed: `env` for RANK / WORLD_SIZE /
   * MASTER_ADDR / MASTER_PORT (torchrun, Kubernetes Indexed Jobs, most
   * launchers), `slurm` for SLURM_PROCID / SLURM_NTASKS.
   */
  readonly scheduler: 'env' | 'slurm';
  /** This process's index in the job, 0 .. worldSize-1; process 0 runs the coordinator. */
  readonly rank: number;
  /** Number of processes (= workers) in the job. */
  readonly worldSize: number;
  /** Index among the processes on this machine, when the scheduler says (LOCAL_RANK, SLURM_LOCALID). */
  readonly localRank?: number;
  /** Host of process 0, where the coordinator listens. */
  readonly coordinatorHost: string;
  readonly coordinatorPort: number;
}

export interface SchedulerPlacementOptions {
  /** Host of the coordinator, overriding MASTER_ADDR / SLURM_LAUNCH_NODE_IPADDR. */
  readonly coordinatorHost?: string;
  /** Port when MASTER_PORT is not set. Default 5555. */
  readonly defaultPort?: number;
}

/** A scheduler environment that is present but unusable; the message names the variable. */
export class SchedulerEnvironmentError extends Error {
  override readonly name = 'SchedulerEnvironmentError';
}

/**
 * Reads a scheduler's placement from environment variables, or returns null
 * when none is present. RANK / WORLD_SIZE win over SLURM's (torchrun inside
 * an allocation); in a Kubernetes Indexed Job without RANK the rank is
 * JOB_COMPLETION_INDEX. The coordinator's host is `options.coordinatorHost`,
 * else MASTER_ADDR, else (SLURM) SLURM_LAUNCH_NODE_IPADDR, the node `srun`
 * ran on, which holds task 0 in the usual batch script. Pure: pass
 * `process.env`.
 */
export function schedulerPlacementFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: SchedulerPlacementOptions = {},
): SchedulerPlacement | null {
  const defined = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const port = (): number => {
    const text = defined('MASTER_PORT');
    if (text === undefined) return options.defaultPort ?? 5555;
    const value = integer('MASTER_PORT', text);
    if (value < 1 || value > 65535) throw new SchedulerEnvironmentError(`MASTER_PORT must be a TCP port (1-65535), got "${text}".`);
    return value;
  };

  if (defined('RANK') !== undefined || defined('WORLD_SIZE') !== undefined) {
    const rankName = defined('RANK') !== undefined ? 'RANK' : 'JOB_COMPLETION_INDEX';
    const rankText = defined(rankName);
    const sizeText = defined('WORLD_SIZE');
    if (rankText === undefined) throw new SchedulerEnvironmentError('WORLD_SIZE is set but RANK is not: set RANK to this process\'s index (0 for the coordinator).');
    if (sizeText === undefined) throw new SchedulerEnvironmentError(`${rankName} is set but WORLD_SIZE is not: set WORLD_SIZE to the number of processes in the job.`);
    const coordinatorHost = options.coordinatorHost ?? defined('MASTER_ADDR');
    if (coordinatorHost === undefined) {
      throw new SchedulerEnvironmentError('RANK and WORLD_SIZE are set but MASTER_ADDR is not: set it to the host of rank 0, where the coordinator listens.');
    }
    const localText = defined('LOCAL_RANK');
    return placed('env', rankName, integer(rankName, rankText), integer('WORLD_SIZE', sizeText), coordinatorHost, port(), localText === undefined ? undefined : integer('LOCAL_RANK', localText));
  }

  const procText = defined('SLURM_PROCID');
  if (procText !== undefined) {
    const sizeName = defined('SLURM_NTASKS') !== undefined ? 'SLURM_NTASKS' : 'SLURM_NPROCS';
    const sizeText = defined(sizeName);
    if (sizeText === undefined) {
      throw new SchedulerEnvironmentError('SLURM_PROCID is set but SLURM_NTASKS is not: start the job with `srun --ntasks N ganglion run <pipeline>`.');
    }
    const coordinatorHost = options.coordinatorHost ?? defined('MASTER_ADDR') ?? defined('SLURM_LAUNCH_NODE_IPADDR');
    if (coordinatorHost === undefined) {
      throw new SchedulerEnvironmentError('SLURM_PROCID is set but neither MASTER_ADDR nor SLURM_LAUNCH_NODE_IPADDR is: set MASTER_ADDR to the host of task 0.');
    }
    const localText = defined('SLURM_LOCALID');
    return placed('slurm', 'SLURM_PROCID', integer('SLURM_PROCID', procText), integer(sizeName, sizeText), coordinatorHost, port(), localText === undefined ? undefined : integer('SLURM_LOCALID', localText));
  }
  return null;
}

function placed(
  scheduler: SchedulerPlacement['scheduler'],
  rankName: string,
  rank: number,
  worldSize: number,
  coordinatorHost: string,
  coordinatorPort: number,
  localRank: number | undefined,
): SchedulerPlacement {
  if (worldSize < 1) throw new SchedulerEnvironmentError(`The job's size must be at least 1, got ${worldSize}.`);
  if (rank >= worldSize) throw new SchedulerEnvironmentError(`${rankName}=${rank} is not below the job's size ${worldSize}; ranks run from 0 to ${worldSize - 1}.`);
  return { scheduler, rank, worldSize, ...(localRank === undefined ? {} : { localRank }), coordinatorHost, coordinatorPort };
}

function integer(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new SchedulerEnvironmentError(`${name} must be a non-negative integer, got "${text}".`);
  return Number(text);
}
