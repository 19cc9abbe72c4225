export { GenerativeModel } from './generative-model';
export type { NamedVariable, PhaseResult, TrainingBatch, TrainingPhase } from './generative-model';
// Compute backends and Ganglion's training kernels.
export { BACKEND_NAMES } from './backend/backend-choice';
export type { BackendChoice, BackendName, RequestedBackend } from './backend/backend-choice';
export { BackendUnavailableError } from './backend/backend-unavailable-error';
export { selectBackend } from './backend/select-backend';
export { copyTensorValues } from './backend/copy-tensor-values';
export type { SelectBackendOptions } from './backend/select-backend';
export { MAX_WASM_THREADS, parseWasmThreads, WASM_THREADS_ENV } from './backend/wasm-threads-setting';
export { startThreadedWasm } from './backend/threaded-wasm-backend';
export type { WasmBackendPackage } from './backend/threaded-wasm-backend';
export { isTrainingKernelRegistered, registerTrainingKernels } from './kernels/register-training-kernels';
export { UnsupportedKernelError } from './kernels/unsupported-kernel-error';
// Models: DCGAN, ConvVAE, RowLSTM, and the pieces they share.
export { Dcgan } from './dcgan/dcgan';
export { dcganOptionsSchema } from './dcgan/dcgan-options';
export type { DcganOptions, DcganConfig } from './dcgan/dcgan-options';
export { ConvVae } from './conv-vae/conv-vae';
export { convVaeOptionsSchema } from './conv-vae/conv-vae-options';
export type { ConvVaeOptions, ConvVaeConfig } from './conv-vae/conv-vae-options';
export { RowLstm } from './row-lstm/row-lstm';
export { rowLstmOptionsSchema } from './row-lstm/row-lstm-options';
export type { RowLstmOptions, RowLstmConfig, RowSampleMode } from './row-lstm/row-lstm-options';
// Building blocks for a model of your own (README: "Write your own model").
export * as tf from '@tensorflow/tfjs';
export { createAdam, adamOptionFields } from './adam-settings';
export type { AdamSettings } from './adam-settings';
export { batchImages, checkBatch } from './image-shape';
export { seededGlorotUniform } from './seeded-glorot-uniform';
export { trainingNormals, samplingNormals, samplingStream, initializerSeed } from './keyed-noise';
export { GradientPhase } from './gradient-phase';
export type { PhaseLoss } from './gradient-phase';
export { assertUniqueVariableNames, namedVariablesOf } from './named-variables';
export type { ImageShape } from './image-shape';
export { sigmoidCrossEntropyWithLogits } from './losses/sigmoid-cross-entropy';
export { gaussianKlDivergence } from './losses/gaussian-kl-divergence';
// Dependency injection.
export { BackendSelector, TfjsBackendSelector } from './backend/backend-selector';
export { modelsModule } from './models-module';
