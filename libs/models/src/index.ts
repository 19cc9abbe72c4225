export { GenerativeModel } from './generative-model';
export type { NamedVariable, PhaseResult, TrainingBatch, TrainingPhase } from './generative-model';
// Compute backends and Ganglion's training kernels.
export { BACKEND_NAMES } from './backend/backend-choice';
export type { BackendChoice, BackendName, RequestedBackend } from './backend/backend-choice';
export { BackendUnavailableError } from './backend/backend-unavailable-error';
export { selectBackend } from './backend/select-backend';
export type { SelectBackendOptions } from './backend/select-backend';
export { isTrainingKernelRegistered, registerTrainingKernels } from './kernels/register-training-kernels';
export { UnsupportedKernelError } from './kernels/unsupported-kernel-error';
