/**
 * Whether the ranks send a STEP_DONE after `step` of a STEP that granted
 * steps up to `through` (protocol 5): after the grant's last step (the
 * barrier before the next STEP) and after a step whose weights are
 * checksummed, every rank; after any other step, none. Rank 0's next
 * STEP_DONE carries the steps it ran in between (`earlier`). The worker
 * and the coordinator both follow this one rule.
 */
export function reportsStep(step: number, through: number, checksummed: boolean): boolean {
  return checksummed || step === through;
}
