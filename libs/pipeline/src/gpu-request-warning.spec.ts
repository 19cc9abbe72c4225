import { gpuRequestWarning } from './gpu-request-warning';

describe('gpuRequestWarning', () => {
  const wasm = { name: 'wasm' as const, packageName: '@tensorflow/tfjs-backend-wasm', reason: 'tfjs-node-gpu not installed' };
  it('warns, naming the GPU and the backend that runs instead, when GPUs were asked for but none is used', () => {
    expect(gpuRequestWarning({ CUDA_VISIBLE_DEVICES: '1' }, wasm)).toMatch(/NO GPU BACKEND: this worker was given GPU 1 .* trains on wasm \(@tensorflow\/tfjs-backend-wasm\), not on the GPU: tfjs-node-gpu not installed/);
  });
  it('says nothing without a GPU request or on a GPU backend', () => {
    expect(gpuRequestWarning({}, wasm)).toBeUndefined();
    expect(gpuRequestWarning({ CUDA_VISIBLE_DEVICES: '0' }, { name: 'tensorflow', packageName: '@tensorflow/tfjs-node-gpu', reason: '' })).toBeUndefined();
  });
});
