import * as tf from '@tensorflow/tfjs';
import { assertUniqueVariableNames, namedVariablesOf } from './named-variables';

describe('namedVariablesOf / assertUniqueVariableNames', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const network = () => {
    const model = tf.sequential({ name: 'net' });
    model.add(tf.layers.dense({ name: 'net/hidden', units: 3, inputShape: [2] }));
    model.add(tf.layers.dense({ name: 'net/out', units: 1 }));
    return model;
  };

  it('names each trainable variable <layer>/<weight>, stable across instances in one process', () => {
    const [a, b] = [network(), network()];
    const names = namedVariablesOf(a).map((v) => v.name);
    expect(names).toEqual(['net/hidden/kernel', 'net/hidden/bias', 'net/out/kernel', 'net/out/bias']);
    expect(namedVariablesOf(b).map((v) => v.name)).toEqual(names);
    // tfjs itself had to rename the second instance's variables.
    expect(namedVariablesOf(b)[0].variable.name).not.toBe(namedVariablesOf(a)[0].variable.name);
    expect(namedVariablesOf(a)[0].variable).toBeInstanceOf(tf.Variable);
    a.dispose();
    b.dispose();
  });

  it('refuses duplicate names with a message that says what to do', () => {
    const a = network();
    const vars = namedVariablesOf(a);
    expect(() => assertUniqueVariableNames('Gan', [...vars, vars[2]])).toThrow(
      /Gan: two trainable variables are both named 'net\/out\/kernel'.*distinct explicit name/,
    );
    expect(() => assertUniqueVariableNames('Gan', vars)).not.toThrow();
    a.dispose();
  });
});
