import * as tf from '@tensorflow/tfjs';
import { gaussianKlDivergence } from './gaussian-kl-divergence';

describe('gaussianKlDivergence', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('is zero for the standard normal and matches the closed form per row otherwise', () => {
    const mu = [
      [0, 0],
      [1, -2],
    ];
    const logVar = [
      [0, 0],
      [Math.log(4), Math.log(0.25)],
    ];
    const kl = tf.tidy(() => gaussianKlDivergence(tf.tensor2d(mu), tf.tensor2d(logVar)).arraySync());
    // KL(N(m, s^2) || N(0, 1)) = (s^2 + m^2 - 1 - ln s^2) / 2, summed over dimensions.
    const expected = (m: number, v: number) => (v + m * m - 1 - Math.log(v)) / 2;
    expect(kl[0]).toBeCloseTo(0, 6);
    expect(kl[1]).toBeCloseTo(expected(1, 4) + expected(-2, 0.25), 5);
  });
});
