import * as tf from '@tensorflow/tfjs';
import { isTrainingKernelRegistered } from '../kernels/register-training-kernels';
import { BackendUnavailableError } from './backend-unavailable-error';
import { selectBackend } from './select-backend';

/** A loader where only the listed packages load (others: not installed). */
function loaderWith(fakes: Record<string, () => unknown>) {
  return (name: string): unknown => {
    const fake = fakes[name];
    if (fake !== undefined) return fake();
    return require(name);
  };
}

/** Stands in for tfjs-node's native backend: starts, computes nothing. */
class FakeNativeBackend extends tf.KernelBackend {
  override dispose(): void {}
}

function notInstalled(name: string): never {
  throw Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- somewhere`), {
    code: 'MODULE_NOT_FOUND',
  });
}

describe('selectBackend', () => {
  afterEach(async () => {
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
    await tf.setBackend('wasm');
  });

  it('chooses WASM when tfjs-node is not installed, says why, and registers the training kernels', async () => {
    const choice = await selectBackend();
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.name).toBe('wasm');
    expect(choice.packageName).toBe('@tensorflow/tfjs-backend-wasm');
    expect(choice.reason).toMatch(/^tfjs-node-gpu not installed \(Cannot find module '@tensorflow\/tfjs-node-gpu'/);
    expect(choice.reason).toMatch(/; tfjs-node not installed \(Cannot find module '@tensorflow\/tfjs-node'/);
    expect(choice.reason).toMatch(/; WASM with(out)? SIMD, 1 thread$/);
    expect(choice.reason).not.toContain('\n');
    expect(choice.simd).toBe(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    expect(choice.threads).toBe(1);
    expect(choice.trainingKernels).toContain('Conv2DBackpropFilter');
    expect(isTrainingKernelRegistered('Conv2DBackpropFilter', 'wasm')).toBe(true);
    // A plain object: survives a JSON round trip (logs, HELLO messages).
    expect(JSON.parse(JSON.stringify(choice))).toEqual(choice);
  });

  it('can be called again in the same process', async () => {
    await selectBackend({ requested: 'wasm' });
    const again = await selectBackend({ requested: 'wasm' });
    expect(again.name).toBe('wasm');
    expect(again.reason).toBe(`requested 'wasm'; WASM with${again.simd ? '' : 'out'} SIMD, 1 thread`);
    const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
    const dw = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')))(tf.ones([3, 3, 1, 1]));
    expect(dw.dataSync()[4]).toBe(16);
    tf.dispose([x, dw]);
  });

  it('forces cpu and registers its fast Conv2DBackpropFilter', async () => {
    const choice = await selectBackend({ requested: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(choice).toMatchObject({ name: 'cpu', simd: false, threads: 1, });
    expect(choice.trainingKernels).toEqual(['Conv2DBackpropFilter', 'UnsortedSegmentSum']);
    expect(choice.reason).toMatch(/^requested 'cpu'; plain JavaScript cpu backend/);
    expect(isTrainingKernelRegistered('Conv2DBackpropFilter', 'cpu')).toBe(true);
  });

  it('refuses a forced tensorflow backend that is not installed, naming the package to install', async () => {
    const attempt = selectBackend({ requested: 'tensorflow' });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(selectBackend({ requested: 'tensorflow' })).rejects.toThrow(
      /Backend 'tensorflow' was requested but cannot be used: tfjs-node-gpu not installed .*; tfjs-node not installed .*Install @tensorflow\/tfjs-node@4\.22\.0/,
    );
  });

  it('prefers tfjs-node when it loads and registers the tensorflow backend', async () => {
    const load = loaderWith({
      '@tensorflow/tfjs-node-gpu': () => notInstalled('@tensorflow/tfjs-node-gpu'),
      webgpu: () => notInstalled('webgpu'),
      '@tensorflow/tfjs-node': () => tf.registerBackend('tensorflow', () => new FakeNativeBackend()),
    });
    // DAWNNODE_BACKEND: webgpu gets as far as loading dawn.node whether or not this machine has libvulkan.so.1.
    const choice = await selectBackend({ load, env: { DAWNNODE_BACKEND: 'vulkan' } });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(choice).toMatchObject({ name: 'tensorflow', packageName: '@tensorflow/tfjs-node', trainingKernels: [] });
    expect(choice.reason).toBe(
      "tfjs-node-gpu not installed (Cannot find module '@tensorflow/tfjs-node-gpu'); " +
        "webgpu (dawn.node) not installed (Cannot find module 'webgpu'); native TensorFlow via tfjs-node (CPU)",
    );
  });

  it('says when tfjs-node is installed but fails to load (e.g. libtensorflow missing)', async () => {
    const load = loaderWith({
      '@tensorflow/tfjs-node-gpu': () => notInstalled('@tensorflow/tfjs-node-gpu'),
      '@tensorflow/tfjs-node': () => {
        throw new Error('libtensorflow.so.2: cannot open shared object file');
      },
    });
    const choice = await selectBackend({ load });
    expect(choice.name).toBe('wasm');
    expect(choice.reason).toContain('tfjs-node failed to load (libtensorflow.so.2: cannot open shared object file)');
  });

  it('falls back to cpu when WASM cannot load, and refuses a forced wasm naming its package', async () => {
    const load = loaderWith({
      '@tensorflow/tfjs-backend-wasm': () => notInstalled('@tensorflow/tfjs-backend-wasm'),
    });
    const choice = await selectBackend({ load });
    expect(choice.name).toBe('cpu');
    expect(choice.reason).toMatch(/tfjs-backend-wasm not installed .*; plain JavaScript cpu backend/);
    await expect(selectBackend({ requested: 'wasm', load })).rejects.toThrow(
      /Backend 'wasm' was requested .*Install @tensorflow\/tfjs-backend-wasm@4\.22\.0/,
    );
  });

  it('rejects an unknown backend name, listing the valid ones', async () => {
    await expect(selectBackend({ requested: 'metal' as never })).rejects.toThrow(
      "Unknown backend 'metal'. Use one of: auto, tensorflow, webgpu, wasm, cpu.",
    );
  });
});
