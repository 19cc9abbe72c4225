/**
 * This process's place among the workers training one model: its rank and
 * how many there are. A single process is rank 0 of 1; a worker learns its
 * rank from the coordinator's WELCOME.
 */
export interface ProcessGroup {
  rank(): number;
  worldSize(): number;
}

export const ProcessGroup = Symbol('ProcessGroup');

export class SingleProcessGroup implements ProcessGroup {
  rank(): number {
    return 0;
  }

  worldSize(): number {
    return 1;
  }
}
