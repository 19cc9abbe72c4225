import { reportsStep } from './step-reports';

describe('reportsStep', () => {
  it('has rank 0 report every step and the other ranks only the checksum steps and the last of the grant', () => {
    const grant = { through: 3, checksummed: new Set([1]) };
    const reported = (rank: number) => [0, 1, 2, 3].filter((step) => reportsStep(rank, step, grant.through, grant.checksummed.has(step)));
    expect(reported(0)).toEqual([0, 1, 2, 3]);
    expect(reported(1)).toEqual([1, 3]);
    expect(reported(5)).toEqual([1, 3]);
  });
});
