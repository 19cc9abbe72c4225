import * as tf from '@tensorflow/tfjs';
import { ConvVae, Dcgan, RowLstm, type GenerativeModel } from '@ganglion/models';
import { samplerNetworkOf, UnsupportedExportError } from './sampler-network';

describe('samplerNetworkOf', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('finds the DCGAN generator, the ConvVAE decoder (latent) and the RowLSTM network (rows)', () => {
    const models: GenerativeModel[] = [new Dcgan({ latentDim: 12 }), new ConvVae({ latentDim: 5 }), new RowLstm({ units: 8 })];
    try {
      const found = models.map((model) => {
        const sampler = samplerNetworkOf(model);
        expect(sampler.network).toBe(model.networks[sampler.name]);
        return { name: sampler.name, kind: sampler.kind, size: sampler.kind === 'latent' ? sampler.latentDim : sampler.rowWidth };
      });
      expect(found).toEqual([
        { name: 'generator', kind: 'latent', size: 12 },
        { name: 'decoder', kind: 'latent', size: 5 },
        { name: 'rnn', kind: 'rows', size: 28 },
      ]);
    } finally {
      for (const model of models) model.dispose();
    }
  });

  it('refuses a model with no network that draws images, naming its networks and the supported models', () => {
    const gan = new Dcgan({ latentDim: 4 });
    const onlyDiscriminator = { ...gan, name: 'critic-only', imageShape: gan.imageShape, networks: { discriminator: gan.discriminator } } as unknown as GenerativeModel;
    try {
      expect(() => samplerNetworkOf(onlyDiscriminator)).toThrow(UnsupportedExportError);
      expect(() => samplerNetworkOf(onlyDiscriminator)).toThrow(
        /Cannot export the critic-only model: none of its networks \(discriminator \[\?, 28, 28, 1\] -> \[\?, 1\]\).*DCGAN generator, the ConvVAE decoder and the RowLSTM/,
      );
    } finally {
      gan.dispose();
    }
  });
});
