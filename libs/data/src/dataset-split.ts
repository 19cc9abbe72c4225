/** Which part of a dataset with a fixed train / test split to load. */
export type DatasetSplit = 'train' | 'test';

export function checkSplit(split: unknown, dataset: string): DatasetSplit {
  if (split !== 'train' && split !== 'test') {
    throw new Error(`${dataset}: split must be 'train' or 'test', got ${JSON.stringify(split)}.`);
  }
  return split;
}
