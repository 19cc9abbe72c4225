import { SchedulerEnvironmentError, schedulerPlacementFromEnv } from './scheduler-placement';

describe('schedulerPlacementFromEnv', () => {
  it('returns null outside a scheduler', () => {
    expect(schedulerPlacementFromEnv({ PATH: '/usr/bin', HOME: '/root' })).toBeNull();
  });

  it('reads torchrun / Kubernetes variables', () => {
    expect(schedulerPlacementFromEnv({ RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1', MASTER_ADDR: '10.0.0.5', MASTER_PORT: '29500' })).toEqual({
      scheduler: 'env',
      rank: 1,
      worldSize: 4,
      localRank: 1,
      coordinatorHost: '10.0.0.5',
      coordinatorPort: 29500,
    });
  });

  it('takes the rank of a Kubernetes Indexed Job from JOB_COMPLETION_INDEX, and the default port without MASTER_PORT', () => {
    expect(schedulerPlacementFromEnv({ JOB_COMPLETION_INDEX: '2', WORLD_SIZE: '3', MASTER_ADDR: 'train-0.train' })).toEqual({
      scheduler: 'env',
      rank: 2,
      worldSize: 3,
      coordinatorHost: 'train-0.train',
      coordinatorPort: 5555,
    });
  });

  it('reads SLURM variables, with the launch node as the coordinator host', () => {
    const env = { SLURM_PROCID: '0', SLURM_NTASKS: '2', SLURM_LOCALID: '0', SLURM_LAUNCH_NODE_IPADDR: '192.168.1.20' };
    expect(schedulerPlacementFromEnv(env, { defaultPort: 6000 })).toEqual({
      scheduler: 'slurm',
      rank: 0,
      worldSize: 2,
      localRank: 0,
      coordinatorHost: '192.168.1.20',
      coordinatorPort: 6000,
    });
    expect(schedulerPlacementFromEnv({ ...env, MASTER_ADDR: 'node-7' })?.coordinatorHost).toBe('node-7');
    expect(schedulerPlacementFromEnv({ ...env, MASTER_ADDR: 'node-7' }, { coordinatorHost: '10.1.1.1' })?.coordinatorHost).toBe('10.1.1.1');
  });

  it('prefers RANK / WORLD_SIZE over SLURM (torchrun inside an allocation)', () => {
    const placement = schedulerPlacementFromEnv({ SLURM_PROCID: '0', SLURM_NTASKS: '1', RANK: '3', WORLD_SIZE: '8', MASTER_ADDR: 'h' });
    expect(placement).toMatchObject({ scheduler: 'env', rank: 3, worldSize: 8 });
  });

  it.each([
    [{ RANK: '0' }, /RANK is set but WORLD_SIZE is not/],
    [{ WORLD_SIZE: '2', MASTER_ADDR: 'h' }, /WORLD_SIZE is set but RANK is not/],
    [{ RANK: '0', WORLD_SIZE: '2' }, /MASTER_ADDR is not: set it to the host of rank 0/],
    [{ RANK: '2', WORLD_SIZE: '2', MASTER_ADDR: 'h' }, /RANK=2 is not below the job's size 2/],
    [{ RANK: 'one', WORLD_SIZE: '2', MASTER_ADDR: 'h' }, /RANK must be a non-negative integer, got "one"/],
    [{ RANK: '0', WORLD_SIZE: '2', MASTER_ADDR: 'h', MASTER_PORT: '70000' }, /MASTER_PORT must be a TCP port/],
    [{ SLURM_PROCID: '0' }, /SLURM_NTASKS is not/],
    [{ SLURM_PROCID: '0', SLURM_NTASKS: '2' }, /neither MASTER_ADDR nor SLURM_LAUNCH_NODE_IPADDR/],
  ])('refuses an unusable environment %j, naming the variable', (env, message) => {
    expect(() => schedulerPlacementFromEnv(env)).toThrow(SchedulerEnvironmentError);
    expect(() => schedulerPlacementFromEnv(env)).toThrow(message);
  });
});
