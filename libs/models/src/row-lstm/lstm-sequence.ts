import * as tf from '@tensorflow/tfjs';
import { LSTM_BACKWARD_KERNEL, LSTM_FORWARD_KERNEL } from '../kernels/wasm-lstm-sequence';

/** The weights of a tfjs LSTM layer, in its layout: gates in the order i, f, c, o along the last axis. */
export interface LstmWeights {
  /** [inputSize, 4 * units] (`kernel`). */
  readonly kernel: tf.Tensor;
  /** [units, 4 * units] (`recurrent_kernel`). */
  readonly recurrentKernel: tf.Tensor;
  /** [4 * units] (`bias`, tfjs's single bias vector). */
  readonly bias: tf.Tensor;
}

/**
 * Runs an LSTM over a time-major sequence from a zero state and returns
 * every step's output h, [steps, count, units]: the maths of tf.layers.lstm
 * with `activation: 'tanh'`, `recurrentActivation: 'sigmoid'`, one bias,
 * no dropout (z = x·kernel + h·recurrent_kernel + bias; i, f, o = σ(z_i, z_f,
 * z_o); c = f·c + i·tanh(z_c); h = o·tanh(c)), but in a few large kernel
 * calls and with a hand-written gradient:
 *
 * - one matrix product for every step's input projection;
 * - per step, one recurrent product and one sigmoid over all four gates.
 *   tanh(v) is computed as 2σ(2v) - 1 (the WASM backend's sigmoid is
 *   vectorised, its tanh is ~15x slower); for the cell input the factor 2 is
 *   folded into the weights of the c gate (exact: a power of two);
 * - the backward pass is backprop through time with one product per step
 *   (dz·recurrent_kernelᵀ), the local derivatives prepared in the forward
 *   pass, and one product for the kernel, recurrent-kernel and (through a
 *   column of ones) bias gradients of all steps together.
 *
 * On a backend with Ganglion's fused sequence kernels (WASM, see
 * kernels/wasm-lstm-sequence.ts) the same maths runs as two kernel calls,
 * forward and backward, with the per-step glue on the heap: ~160 engine
 * calls per RowLSTM step instead of ~1,070. Elsewhere it runs op by op as
 * described above.
 *
 * `x` [steps, count, inputSize] is data: no gradient flows to it. Gradients
 * flow to the three weights.
 */
export function lstmSequence(x: tf.Tensor3D, weights: LstmWeights): tf.Tensor3D {
  const [steps, count, inputSize] = x.shape;
  const units = weights.recurrentKernel.shape[0];
  checkShapes(x, weights);
  if (hasFusedKernels(tf.getBackend())) return fusedLstmSequence(x, weights);
  const run = tf.customGrad((kernel, recurrentKernel, bias, save) => {
    const forward = lstmForward(x, kernel as tf.Tensor2D, recurrentKernel as tf.Tensor2D, bias as tf.Tensor1D);
    (save as tf.GradSaveFunc)([x, forward.outputs, forward.recurrent, forward.scale, ...forward.steps.flat()]);
    return {
      value: forward.outputs,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, outputs, recurrent, scale, ...rest] = saved;
          const local: StepLocals[] = [];
          for (let t = 0; t < steps; t++) local.push(rest.slice(3 * t, 3 * t + 3) as StepLocals);
          return lstmBackward(dy as tf.Tensor3D, xs as tf.Tensor3D, outputs as tf.Tensor3D, recurrent as tf.Tensor2D, scale, local, {
            steps,
            count,
            inputSize,
            units,
          });
        }),
    };
  });
  return run(weights.kernel, weights.recurrentKernel, weights.bias) as tf.Tensor3D;
}

/** Whether the backend has Ganglion's whole-sequence LSTM kernels (WASM: see kernels/wasm-lstm-sequence.ts). */
function hasFusedKernels(backendName: string): boolean {
  return tf.getKernel(LSTM_FORWARD_KERNEL, backendName) !== undefined && tf.getKernel(LSTM_BACKWARD_KERNEL, backendName) !== undefined;
}

/**
 * lstmSequence on a backend with the fused kernels: the same maths in two
 * kernel calls (forward, backward) instead of ~30 ops per step.
 */
function fusedLstmSequence(x: tf.Tensor3D, weights: LstmWeights): tf.Tensor3D {
  const run = tf.customGrad((kernel, recurrentKernel, bias, save) => {
    const [outputs, gates, cells, tanhCells] = tf.engine().runKernel(LSTM_FORWARD_KERNEL, {
      x,
      kernel: kernel as tf.Tensor,
      recurrentKernel: recurrentKernel as tf.Tensor,
      bias: bias as tf.Tensor,
    }) as tf.Tensor[];
    (save as tf.GradSaveFunc)([x, outputs, gates, cells, tanhCells, recurrentKernel as tf.Tensor]);
    return {
      value: outputs as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, h, g, c, tanhC, recurrent] = saved;
        return tf.engine().runKernel(LSTM_BACKWARD_KERNEL, {
          dy,
          x: xs,
          h,
          gates: g,
          cells: c,
          tanhCells: tanhC,
          recurrentKernel: recurrent,
        }) as tf.Tensor[];
      },
    };
  });
  return run(weights.kernel, weights.recurrentKernel, weights.bias) as tf.Tensor3D;
}

/**
 * What the backward pass needs of step t: dh→dc factor o·(1 - tanh²(c)),
 * the gate factors by which [dc, dc, dc, dh] become dz (see lstmForward),
 * and the forget gate.
 */
type StepLocals = [cellFactor: tf.Tensor2D, gateFactor: tf.Tensor2D, forget: tf.Tensor2D];

interface ForwardResult {
  /** h of every step, [steps, count, units]. */
  outputs: tf.Tensor3D;
  /** recurrent_kernel with the c gate's columns doubled. */
  recurrent: tf.Tensor2D;
  /** [4 * units]: 1 for the i, f and o columns, 2 for the c columns. */
  scale: tf.Tensor1D;
  steps: StepLocals[];
}

interface Sizes {
  steps: number;
  count: number;
  inputSize: number;
  units: number;
}

function lstmForward(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D): ForwardResult {
  const [steps, count, inputSize] = x.shape;
  const units = recurrentKernel.shape[0];
  const one = tf.scalar(1);
  const two = tf.scalar(2);
  const scale = gateScale(units);
  // z' = z with the c gate doubled, so that σ(z'_c) = σ(2 z_c) and tanh(z_c) = 2σ(z'_c) - 1.
  const projected = tf.unstack(
    tf.fused
      .matMul({ a: x.reshape([steps * count, inputSize]), b: kernel.mul(scale), bias: bias.mul(scale) })
      .reshape([steps, count, 4 * units]),
  ) as tf.Tensor2D[];
  const recurrent = recurrentKernel.mul(scale) as tf.Tensor2D;
  const zeros = tf.zeros([count, units]) as tf.Tensor2D;
  const outputs: tf.Tensor2D[] = [];
  const locals: StepLocals[] = [];
  let h = zeros;
  let c = zeros;
  for (let t = 0; t < steps; t++) {
    const z = t === 0 ? projected[0] : tf.add(tf.matMul(h, recurrent), projected[t]);
    const a = tf.sigmoid(z);
    const [input, forget, cellGate, output] = tf.split(a, 4, 1) as tf.Tensor2D[];
    const g = cellGate.mul(two).sub(one); // tanh(z_c)
    const cNext = (t === 0 ? input.mul(g) : forget.mul(c).add(input.mul(g))) as tf.Tensor2D;
    const tanhC = tf.sigmoid(cNext.mul(two)).mul(two).sub(one); // tanh(c)
    const hNext = output.mul(tanhC) as tf.Tensor2D;
    // dc = dh·o·(1 - tanh²c) + dc_next·f_next;  dz' = [dc·g, dc·c_prev, dc·i, dh·tanh c] ⊙ σ'(z') ⊙ scale.
    const cellFactor = output.mul(one.sub(tanhC.square())) as tf.Tensor2D;
    const gateFactor = tf.concat([g, c, input.mul(two), tanhC], 1).mul(a.mul(one.sub(a))) as tf.Tensor2D;
    locals.push([cellFactor, gateFactor, forget]);
    outputs.push(hNext);
    h = hNext;
    c = cNext;
  }
  return { outputs: tf.stack(outputs) as tf.Tensor3D, recurrent, scale, steps: locals };
}

function lstmBackward(
  dy: tf.Tensor3D,
  x: tf.Tensor3D,
  outputs: tf.Tensor3D,
  recurrent: tf.Tensor2D,
  scale: tf.Tensor,
  locals: readonly StepLocals[],
  { steps, count, inputSize, units }: Sizes,
): tf.Tensor[] {
  const recurrentT = recurrent.transpose();
  const dOutputs = tf.unstack(dy) as tf.Tensor2D[];
  const dz: tf.Tensor2D[] = new Array(steps);
  let dc: tf.Tensor2D | undefined;
  for (let t = steps - 1; t >= 0; t--) {
    const [cellFactor, gateFactor] = locals[t];
    const dh = t === steps - 1 ? dOutputs[t] : dOutputs[t].add(tf.matMul(dz[t + 1], recurrentT));
    const fromH = dh.mul(cellFactor);
    dc = (dc === undefined ? fromH : fromH.add(dc.mul(locals[t + 1][2]))) as tf.Tensor2D;
    dz[t] = tf.concat([dc, dc, dc, dh], 1).mul(gateFactor) as tf.Tensor2D;
  }
  // Every step's product at once: [x_t, h_{t-1}, 1]ᵀ·dz'_t summed over t (the column of ones gives the
  // bias gradient), then undo the c gate's doubling.
  const rows = steps * count;
  const previous = tf.concat([tf.zeros([1, count, units]), outputs.slice([0, 0, 0], [steps - 1, count, units])], 0);
  const stepInputs = tf.concat([x.reshape([rows, inputSize]), previous.reshape([rows, units]), tf.ones([rows, 1])], 1);
  const dWeights = tf.matMul(stepInputs, tf.concat(dz, 0), true, false).mul(scale);
  const [dKernel, dRecurrent, dBias] = tf.split(dWeights, [inputSize, units, 1], 0);
  return [dKernel, dRecurrent, dBias.reshape([4 * units])];
}

/** [4 * units]: 1 over the i, f and o gates' columns, 2 over the c gate's. */
function gateScale(units: number): tf.Tensor1D {
  const values = new Float32Array(4 * units).fill(1);
  values.fill(2, 2 * units, 3 * units);
  return tf.tensor1d(values);
}

function checkShapes(x: tf.Tensor3D, { kernel, recurrentKernel, bias }: LstmWeights): void {
  const units = recurrentKernel.shape[0];
  const ok =
    x.rank === 3 &&
    x.shape[0] >= 1 &&
    tf.util.arraysEqual(kernel.shape, [x.shape[2], 4 * units]) &&
    tf.util.arraysEqual(recurrentKernel.shape, [units, 4 * units]) &&
    tf.util.arraysEqual(bias.shape, [4 * units]);
  if (!ok) {
    throw new Error(
      `lstmSequence: expected x [steps, count, inputSize], kernel [inputSize, 4u], recurrent kernel [u, 4u] ` +
        `and bias [4u]; got x [${x.shape}], kernel [${kernel.shape}], recurrent kernel [${recurrentKernel.shape}], ` +
        `bias [${bias.shape}].`,
    );
  }
}
