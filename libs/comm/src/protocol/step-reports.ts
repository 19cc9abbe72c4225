/**
 * Whether `rank` sends a STEP_DONE after `step` of a STEP that granted
 * steps up to `through` (protocol 4): rank 0 after every step (its metrics
 * are the run's), every rank after the grant's last step (the barrier
 * before the next STEP) and after a step whose weights are checksummed.
 * The worker and the coordinator both follow this one rule.
 */
export function reportsStep(rank: number, step: number, through: number, checksummed: boolean): boolean {
  return rank === 0 || checksummed || step === through;
}
