import { Cifar10Dataset } from './cifar10-dataset';
import { checkOptionKeys } from './check-option-keys';
import { FashionMnistDataset } from './fashion-mnist-dataset';
import { SyntheticDataset } from './synthetic-dataset';

describe('dataset option checking', () => {
  it('names unknown options and lists the known ones', () => {
    expect(() => new Cifar10Dataset({ folder: 'data/cifar-10-batches-bin', split: 'train' } as never)).toThrow(
      'Cifar10Dataset: unknown option `folder`; the options are source, dir, split, limit, cacheDir, mirrors.',
    );
    expect(() => new FashionMnistDataset({ sauce: 'bundled' } as never)).toThrow('FashionMnistDataset: unknown option `sauce`');
    expect(() => new SyntheticDataset({ size: 3, colour: true } as never)).toThrow('unknown options `size`, `colour`');
  });

  it('accepts known options, absent options, and refuses non-objects', () => {
    expect(() => checkOptionKeys('X', { a: 1 }, ['a', 'b'])).not.toThrow();
    expect(() => checkOptionKeys('X', undefined, ['a'])).not.toThrow();
    expect(() => checkOptionKeys('X', 'bundled' as never, ['a'])).toThrow('X: options must be an object, got "bundled".');
  });
});
