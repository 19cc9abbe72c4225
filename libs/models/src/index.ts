export type { GenerativeModel, NamedVariable, PhaseResult, TrainingBatch, TrainingPhase } from './generative-model';
