import { reportsStep } from './step-reports';

describe('reportsStep', () => {
  it('has the ranks report only the checksum steps and the last of the grant', () => {
    const grant = { through: 3, checksummed: new Set([1]) };
    expect([0, 1, 2, 3].filter((step) => reportsStep(step, grant.through, grant.checksummed.has(step)))).toEqual([1, 3]);
    expect(reportsStep(5, 5, false)).toBe(true); // a one-step grant (the star): every step
  });
});
