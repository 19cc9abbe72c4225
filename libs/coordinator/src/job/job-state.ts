/**
 * Where the coordinator's job stands, read by the parts that run it
 * (admission, forming, the step loop, the plumbing). Each field has one
 * writer: GroupAdmission notes the generations HELLOs report,
 * GenerationForming starts each new generation, StepLoop marks the start
 * of training.
 */
export class JobState {
  private current = 0;
  private highestHello = 0;
  private started = false;

  /** The generation the ranks were last welcomed to (0 before the first). */
  get generation(): number {
    return this.current;
  }

  /** Highest generation a HELLO reported (a worker that outlived an earlier coordinator). */
  get helloGeneration(): number {
    return this.highestHello;
  }

  /** Training has started: admission allows up to maxWorkers, a loss waits for minWorkers. */
  get training(): boolean {
    return this.started;
  }

  /** GroupAdmission: a HELLO reported `generation`. */
  noteHelloGeneration(generation: number): void {
    this.highestHello = Math.max(this.highestHello, generation);
  }

  /** GenerationForming: the next generation, above every one this job or a HELLO has seen. */
  nextGeneration(): number {
    this.current = Math.max(this.current, this.highestHello) + 1;
    return this.current;
  }

  /** StepLoop: the first generation is formed and training starts. */
  startTraining(): void {
    this.started = true;
  }
}
