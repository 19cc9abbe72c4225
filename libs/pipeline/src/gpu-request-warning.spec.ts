import { gpuRequestWarning } from './gpu-request-warning';

describe('gpuRequestWarning', () => {
  const wasm = { name: 'wasm' as const, packageName: '@tensorflow/tfjs-backend-wasm', reason: 'tfjs-node-gpu not installed' };
  it('warns, naming the GPU and the backend that runs instead, when GPUs were asked for but none is used', () => {
    expect(gpuRequestWarning({ CUDA_VISIBLE_DEVICES: '1' }, wasm)).toMatch(/NO GPU BACKEND: this worker was given GPU 1 .* trains on wasm \(@tensorflow\/tfjs-backend-wasm\), not on a GPU: tfjs-node-gpu not installed/);
  });
  it('warns for webgpu on a software adapter, not on a hardware one', () => {
    const webgpu = (software: boolean) =>
      ({ name: 'webgpu', packageName: '@tensorflow/tfjs-backend-webgpu', reason: 'requested', adapter: { software, description: 'llvmpipe', device: '' } }) as unknown as Parameters<typeof gpuRequestWarning>[1];
    expect(gpuRequestWarning({ GANGLION_GPU: '0' }, webgpu(true))).toMatch(/trains on webgpu on a software GPU \(llvmpipe\)/);
    expect(gpuRequestWarning({ GANGLION_GPU: '0' }, webgpu(false))).toBeUndefined();
  });

  it('says nothing without a GPU request or on a GPU backend', () => {
    expect(gpuRequestWarning({}, wasm)).toBeUndefined();
    expect(gpuRequestWarning({ CUDA_VISIBLE_DEVICES: '0' }, { name: 'tensorflow', packageName: '@tensorflow/tfjs-node-gpu', reason: '' })).toBeUndefined();
  });
});
