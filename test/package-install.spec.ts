import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyCheckpoint } from '@ganglion/pipeline';
import { makeImages } from '../examples/my-autoencoder/make-images';
import { REPO_ROOT } from './support/repo-root';
import { UserProject } from './support/user-project';
import { finalWeightsDifference } from './support/weights-difference';

/**
 * Ganglion as a user gets it: packed into tarballs (tools/pack), installed
 * into a fresh npm project outside the repository together with the
 * user's own dependencies, and run through `npx ganglion` on a pipeline of
 * the user's own: examples/my-autoencoder (a dense autoencoder and a PNG
 * folder dataset written against the public API only). One process, then
 * 2 workers, which must end with the weights of the one-process run.
 */
describe('the packed ganglion packages in a fresh project', () => {
  let folder: string;
  let project: UserProject;

  beforeAll(() => {
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-user-'));
    const versions = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).dependencies as Record<string, string>;
    project = UserProject.create(folder, [`pngjs@${versions.pngjs}`, `zod@${versions.zod}`]);
    for (const file of fs.readdirSync(path.join(REPO_ROOT, 'examples/my-autoencoder')).filter((name) => name.endsWith('.ts'))) {
      fs.copyFileSync(path.join(REPO_ROOT, 'examples/my-autoencoder', file), path.join(project.folder, file));
    }
    makeImages(path.join(project.folder, 'images'), 64);
  }, 600_000);

  afterAll(() => {
    if (folder !== undefined) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('packs compiled JavaScript with declarations, the bin and the bundled Fashion-MNIST; installs without the repository', () => {
    const names = project.tarballs.map((file) => path.basename(file)).sort();
    expect(names).toEqual(expect.arrayContaining(['ganglion-0.1.0.tgz', 'ganglion-data-0.1.0.tgz', 'ganglion-models-0.1.0.tgz', 'ganglion-pipeline-0.1.0.tgz']));
    const listing = (name: string) => execFileSync('tar', ['-tzf', project.tarballs.find((file) => path.basename(file) === name) as string], { encoding: 'utf8' });
    expect(listing('ganglion-pipeline-0.1.0.tgz')).toMatch(/^package\/src\/index\.js$/m);
    expect(listing('ganglion-pipeline-0.1.0.tgz')).toMatch(/^package\/src\/index\.d\.ts$/m);
    expect(listing('ganglion-pipeline-0.1.0.tgz')).not.toMatch(/\.ts$(?<!\.d\.ts)/m);
    expect(listing('ganglion-data-0.1.0.tgz')).toMatch(/^package\/data\/fashion-mnist\/train-images-idx3-ubyte\.gz$/m);
    expect(listing('ganglion-0.1.0.tgz')).toMatch(/^package\/bin\/ganglion\.js$/m);
    for (const lib of ['pipeline', 'models', 'data', 'comm']) {
      const installed = path.join(project.folder, 'node_modules/@ganglion', lib);
      expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
      expect(fs.realpathSync(installed).startsWith(REPO_ROOT)).toBe(false);
    }
    const help = project.mustRun('npx', ['--no-install', 'ganglion', '--help']);
    expect(help).toMatch(/Usage: ganglion/);
  });

  it('trains the bundled Fashion-MNIST with a built-in model, imported as the repository pipelines import it', () => {
    fs.writeFileSync(
      path.join(project.folder, 'fashion.ts'),
      [
        "import { FashionMnistDataset } from '@ganglion/data';",
        "import { ConvVae } from '@ganglion/models';",
        "import { definePipeline } from '@ganglion/pipeline';",
        "export default definePipeline({ name: 'fashion', model: { type: ConvVae }, dataset: { type: FashionMnistDataset, options: { source: 'bundled', split: 'test' } }, batchSize: 8, steps: 2, sampleEvery: 0 });",
        '',
      ].join('\n'),
    );
    const output = project.mustRun('npx', ['--no-install', 'ganglion', 'train', 'fashion.ts', '--backend', 'wasm', '--progress', 'lines', '--out', 'runs-fashion']);
    expect(output).toMatch(/fashion-mnist\/test: 2000 images/);
    expect(output).toMatch(/Trained 2 steps/);
  });

  it("trains the user's own model and dataset in one process and with 2 workers, to the same weights, with checkpoints", () => {
    // The same --set on both runs: the launcher hands it to its workers, whose pipeline hash must match the coordinator's.
    const lr = ['--set', 'optimizer.learningRate=0.004'];
    const single = project.mustRun('npx', ['--no-install', 'ganglion', 'train', 'my-pipeline.ts', ...lr, '--backend', 'wasm', '--progress', 'lines', '--out', 'runs-1']);
    expect(single).toMatch(/training dense-autoencoder \(34,184 parameters\) for 40 steps at batch 16/);
    expect(single).toMatch(/Trained 40 steps/);
    const one = project.runFolder('runs-1', 'my-autoencoder');
    expect(verifyCheckpoint(path.join(one, 'checkpoints/step-000040')).state).toMatchObject({ step: 40, model: 'dense-autoencoder' });
    expect(fs.existsSync(path.join(one, 'samples/step-000040.png'))).toBe(true);

    const launched = project.mustRun('npx', ['--no-install', 'ganglion', 'launch', 'my-pipeline.ts', ...lr, '--workers', '2', '--backend', 'wasm', '--progress', 'lines', '--checksum-every', '10', '--out', 'runs-2']);
    expect(launched).toMatch(/Trained 40 steps with 2 workers/);
    expect(launched).toMatch(/Weights identical on all 2 ranks: checksums matched at 4 steps/);
    const two = project.runFolder('runs-2', 'my-autoencoder');
    expect(verifyCheckpoint(path.join(two, 'checkpoints/step-000040')).state).toMatchObject({ step: 40, worldSize: 2 });
    for (const run of [one, two]) {
      const resolved = JSON.parse(fs.readFileSync(path.join(run, 'pipeline.json'), 'utf8'));
      expect(resolved).toMatchObject({ model: 'DenseAutoencoder', dataset: 'GreyPngFolder', sets: ['optimizer.learningRate=0.004'] });
      expect(resolved.settings.modelOptions).toMatchObject({ learningRate: 0.004, latentDim: 8 });
    }
    const difference = finalWeightsDifference(one, two);
    expect(difference.tensors).toBe(8);
    expect(difference.maxRelative).toBeLessThanOrEqual(1e-4);
    console.log(`user model, 1 process vs 2 workers: max relative weight difference ${difference.maxRelative.toExponential(2)} (${difference.worstTensor})`);
  });

  it('--set errors name the path, from the model\'s own options schema too', () => {
    const bad = project.run('npx', ['--no-install', 'ganglion', 'train', 'my-pipeline.ts', '--set', 'optimizer.learningRate=fast', '--set', 'model.options.latentDim=0']);
    expect(bad.status).toBe(1);
    expect(bad.output).toMatch(/Pipeline "my-autoencoder" is not valid/);
    expect(bad.output).toMatch(/optimizer\.learningRate: .*\[--set optimizer\.learningRate=fast --set model\.options\.latentDim=0\]/);
    expect(bad.output).toMatch(/model\.options\.latentDim: /);
  });
});
