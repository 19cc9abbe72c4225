import { ConvVae, Dcgan, RowLstm, type GenerativeModel } from '@ganglion/models';

/** The models the suite times, by the name children are told on their command line. */
export type ModelKey = 'dcgan' | 'conv-vae' | 'row-lstm';

/** One model of the suite. */
export interface ModelCase {
  readonly key: ModelKey;
  /** Name in the table. */
  readonly label: string;
  /** The model's class; built at its default (Fashion-MNIST, 28x28x1) size. */
  readonly type: new (options: { seed?: number }) => GenerativeModel;
  /** Issue 5's target, ms per step on WASM, one thread, batch 64. */
  readonly targetWasmMs: number;
}

export const MODEL_CASES: readonly ModelCase[] = [
  { key: 'dcgan', label: 'DCGAN', type: Dcgan, targetWasmMs: 750 },
  { key: 'conv-vae', label: 'ConvVAE', type: ConvVae, targetWasmMs: 45 },
  { key: 'row-lstm', label: 'RowLSTM', type: RowLstm, targetWasmMs: 50 },
];

/** The case named `key`; an error lists the names there are. */
export function modelCase(key: string): ModelCase {
  const found = MODEL_CASES.find((c) => c.key === key);
  if (found === undefined) {
    throw new Error(`Unknown model '${key}'. Use one of: ${MODEL_CASES.map((c) => c.key).join(', ')}.`);
  }
  return found;
}
