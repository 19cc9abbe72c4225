export { GenerativeModel } from './generative-model';
export type { NamedVariable, PhaseResult, TrainingBatch, TrainingPhase } from './generative-model';
