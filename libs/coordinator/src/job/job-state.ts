/**
 * Where the coordinator's job stands, shared by the parts that run it
 * (admission, forming, the step loop, the plumbing): the current
 * generation, the highest one a HELLO reported, and whether training has
 * started.
 */
export class JobState {
  /** The generation the ranks were last welcomed to (0 before the first). */
  generation = 0;
  /** Highest generation a HELLO reported (a worker that outlived an earlier coordinator). */
  helloGeneration = 0;
  /** Training has started: admission allows up to maxWorkers, a loss waits for minWorkers. */
  training = false;
}
