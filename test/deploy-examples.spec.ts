import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { withFrameMallocTunables } from '@ganglion/comm';
import { schedulerPlacementFromEnv } from '@ganglion/coordinator';
import { REPO_ROOT } from './support/repo-root';

/**
 * The deploy examples cannot run here (no cluster, no SLURM, no Docker), so
 * they are checked statically, and each one's environment is dry-run
 * through schedulerPlacementFromEnv, the function `ganglion run` uses.
 */
const DEPLOY = path.join(REPO_ROOT, 'deploy');

/** What every example starts Ganglion with: glibc keeps received frames' memory (FRAME_MALLOC_TUNABLES). */
const FRAME_TUNABLES = withFrameMallocTunables({}).GLIBC_TUNABLES;

function read(relative: string): string {
  return fs.readFileSync(path.join(DEPLOY, relative), 'utf8');
}

/** A YAML document's lines without comments (no YAML parser is a direct dependency). */
function yamlDocuments(text: string): string[][] {
  return text
    .split(/^---\s*$/m)
    .map((doc) => doc.split('\n').map((line) => line.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '')).filter((line) => line.trim() !== ''))
    .filter((lines) => lines.length > 0);
}

/** The value of the first `key: value` line at any depth, quotes removed. */
function field(lines: readonly string[], key: string): string | undefined {
  const match = lines.map((line) => new RegExp(`^\\s*(?:- )?${key}:\\s*(.+)$`).exec(line)).find((m) => m !== null);
  return match?.[1].trim().replace(/^['"]|['"]$/g, '');
}

interface EnvEntry {
  readonly name: string;
  readonly value?: string;
  readonly fieldPath?: string;
}

/** The container's `env:` list: each `- name:` with its `value:` or `valueFrom.fieldRef.fieldPath:`. */
function containerEnv(lines: readonly string[]): EnvEntry[] {
  const start = lines.findIndex((line) => /^\s*env:\s*$/.test(line));
  if (start < 0) return [];
  const indent = lines[start].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const entries: EnvEntry[] = [];
  for (const line of body) {
    const name = /^\s*- name:\s*(\S+)/.exec(line);
    if (name !== null) {
      entries.push({ name: name[1] });
      continue;
    }
    const last = entries[entries.length - 1];
    const value = /^\s*value:\s*(.+)$/.exec(line);
    const fieldPath = /^\s*fieldPath:\s*(.+)$/.exec(line);
    if (last !== undefined && value !== null) entries[entries.length - 1] = { ...last, value: value[1].trim().replace(/^['"]|['"]$/g, '') };
    if (last !== undefined && fieldPath !== null) entries[entries.length - 1] = { ...last, fieldPath: fieldPath[1].trim() };
  }
  return entries;
}

describe('deploy examples', () => {
  describe('Kubernetes Indexed Job', () => {
    const docs = yamlDocuments(read('kubernetes/ganglion-indexed-job.yaml'));
    const job = docs.find((lines) => lines.some((line) => /^kind:\s*Job$/.test(line)));
    const service = docs.find((lines) => lines.some((line) => /^kind:\s*Service$/.test(line)));

    it('is an Indexed Job with a headless Service that names its pods', () => {
      expect(job).toBeDefined();
      expect(service).toBeDefined();
      if (job === undefined || service === undefined) return;
      expect(field(job, 'apiVersion')).toBe('batch/v1');
      expect(field(job, 'completionMode')).toBe('Indexed');
      expect(field(job, 'completions')).toBe(field(job, 'parallelism'));
      expect(field(service, 'clusterIP')).toBe('None');
      const jobName = field(job, 'name');
      expect(field(job, 'subdomain')).toBe(field(service, 'name'));
      expect(field(service, 'job-name')).toBe(jobName);
      expect(field(job, 'restartPolicy')).toBe('Never');
    });

    it('runs `ganglion run` with RANK from the completion index, WORLD_SIZE = completions, MASTER_ADDR = pod 0', () => {
      if (job === undefined || service === undefined) throw new Error('no Job/Service in the manifest');
      expect(field(job, 'command')).toMatch(/'ganglion', 'run', 'pipelines\/[\w-]+\.ts'/);
      const env = containerEnv(job);
      const byName = new Map(env.map((entry) => [entry.name, entry]));
      expect([...byName.keys()].sort()).toEqual(['GLIBC_TUNABLES', 'MASTER_ADDR', 'MASTER_PORT', 'RANK', 'WORLD_SIZE']);
      expect(byName.get('GLIBC_TUNABLES')?.value).toBe(FRAME_TUNABLES);
      expect(byName.get('RANK')?.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
      expect(byName.get('WORLD_SIZE')?.value).toBe(field(job, 'completions'));
      expect(byName.get('MASTER_ADDR')?.value).toBe(`${field(job, 'name')}-0.${field(service, 'name')}`);
      expect(field(job, 'containerPort')).toBe(byName.get('MASTER_PORT')?.value);
    });

    it('dry run: pod 0 resolves to the coordinator (+ worker), pod 1 to a worker of the same job', () => {
      if (job === undefined) throw new Error('no Job in the manifest');
      const podEnv = (index: number): Record<string, string> => {
        const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(index) };
        for (const entry of containerEnv(job)) {
          if (entry.value !== undefined) env[entry.name] = entry.value;
          else if (entry.fieldPath?.includes('job-completion-index')) env[entry.name] = String(index);
        }
        return env;
      };
      const pod0 = schedulerPlacementFromEnv(podEnv(0));
      const pod1 = schedulerPlacementFromEnv(podEnv(1));
      expect(pod0).toEqual({ scheduler: 'env', rank: 0, worldSize: 2, coordinatorHost: 'ganglion-0.ganglion', coordinatorPort: 5555 });
      expect(pod1).toEqual({ ...pod0, rank: 1 });
    });
  });

  describe('Kubernetes schemas', () => {
    const validator = path.join(DEPLOY, 'kubernetes/validate-manifests.mjs');

    it('the manifest validates against the Kubernetes API schemas (kubernetes-models, offline)', () => {
      const result = spawnSync(process.execPath, [validator, path.join(DEPLOY, 'kubernetes/ganglion-indexed-job.yaml')], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(result.stdout).toMatch(/^ok .* v1 Service\/ganglion$/m);
      expect(result.stdout).toMatch(/^ok .* batch\/v1 Job\/ganglion$/m);
      expect(result.status).toBe(0);
    });

    it('the validator refuses a wrong type and an unknown kind, naming the field', () => {
      const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-k8s-')), 'broken.yaml');
      try {
        const text = read('kubernetes/ganglion-indexed-job.yaml').replace('completions: 2', 'completions: two').replace('kind: Service', 'kind: Servise');
        fs.writeFileSync(broken, text);
        const result = spawnSync(process.execPath, [validator, broken], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(result.stdout).toMatch(/^invalid .*Job\/ganglion: .*spec\/completions must be integer/m);
        expect(result.stdout).toMatch(/^invalid .*Servise\/ganglion: no schema for v1 Servise/m);
        expect(result.status).toBe(1);
      } finally {
        fs.rmSync(path.dirname(broken), { recursive: true, force: true });
      }
    });
  });

  describe('SLURM sbatch script', () => {
    const script = path.join(DEPLOY, 'slurm/ganglion.sbatch');

    it('is valid bash and asks for nodes and one task per node', () => {
      expect(spawnSync('bash', ['-n', script]).status).toBe(0);
      const text = fs.readFileSync(script, 'utf8');
      expect(text).toMatch(/^#SBATCH --nodes=\d+$/m);
      expect(text).toMatch(/^#SBATCH --ntasks-per-node=1$/m);
      expect(text).toMatch(/scontrol show hostnames "\$SLURM_JOB_NODELIST" \| head -n 1/);
      expect(text).toMatch(/^srun .*"\$\{GANGLION\[@\]\}" run "\$PIPELINE" .*"\$@"$/m);
    });

    it('dry run with stub scontrol/srun: exports MASTER_ADDR/MASTER_PORT/GLIBC_TUNABLES; task 0 coordinates, task 1 works', () => {
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'ganglion-sbatch-'));
      try {
        fs.writeFileSync(path.join(bin, 'scontrol'), '#!/bin/sh\n[ "$1 $2" = "show hostnames" ] && printf "node-a\\nnode-b\\n"\n', { mode: 0o755 });
        fs.writeFileSync(path.join(bin, 'srun'), `#!/bin/sh\nprintf '%s\\n' "MASTER_ADDR=$MASTER_ADDR" "MASTER_PORT=$MASTER_PORT" "GLIBC_TUNABLES=$GLIBC_TUNABLES" "ARGS=$*" "PWD=$PWD"\n`, { mode: 0o755 });
        const output = execFileSync('bash', [script, 'pipelines/fashion-dcgan.ts', '--steps', '7'], {
          env: { PATH: `${bin}:${process.env.PATH ?? ''}`, SLURM_JOB_NODELIST: 'node-[a-b]', SLURM_SUBMIT_DIR: REPO_ROOT, GANGLION_BIN: 'bin/ganglion.js' },
          encoding: 'utf8',
        });
        const seen = Object.fromEntries(output.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
        expect(seen).toMatchObject({ MASTER_ADDR: 'node-a', MASTER_PORT: '5555', GLIBC_TUNABLES: FRAME_TUNABLES, PWD: REPO_ROOT });
        expect(seen.ARGS).toMatch(/^--kill-on-bad-exit=1 bin\/ganglion\.js run pipelines\/fashion-dcgan\.ts .*--steps 7$/);
        // What srun adds for each of the 2 tasks, on top of what the script exported.
        const task = (procId: number) =>
          schedulerPlacementFromEnv({ SLURM_PROCID: String(procId), SLURM_NTASKS: '2', SLURM_LOCALID: '0', MASTER_ADDR: seen.MASTER_ADDR, MASTER_PORT: seen.MASTER_PORT });
        expect(task(0)).toEqual({ scheduler: 'slurm', rank: 0, worldSize: 2, localRank: 0, coordinatorHost: 'node-a', coordinatorPort: 5555 });
        expect(task(1)).toMatchObject({ rank: 1, coordinatorHost: 'node-a' });
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('docker/Dockerfile');
    const instructions = dockerfile.split('\n').filter((line) => /^[A-Z]+\s/.test(line));

    it('has FROM node 20, WORKDIR, npm ci with the optional tfjs-node packages, and a CMD', () => {
      expect(instructions[0]).toMatch(/^FROM node:20\b/);
      expect(instructions.some((line) => /^WORKDIR \//.test(line))).toBe(true);
      expect(instructions.some((line) => /^RUN npm ci\b.*--include=optional/.test(line))).toBe(true);
      expect(instructions.filter((line) => line.startsWith('CMD '))).toHaveLength(1);
      expect(instructions).toContain(`ENV GLIBC_TUNABLES=${FRAME_TUNABLES}`);
      const ignore = read('docker/Dockerfile.dockerignore');
      expect(ignore).toMatch(/^node_modules$/m);
    });

    it('runs a command our CLI has, with a pipeline that exists', () => {
      const cmd = instructions.find((line) => line.startsWith('CMD '));
      const argv = JSON.parse(cmd?.slice(4) ?? '[]') as string[];
      expect(argv.slice(0, 3)).toEqual(['npx', 'ganglion', 'run']);
      expect(fs.existsSync(path.join(REPO_ROOT, argv[3]))).toBe(true);
      const help = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/ganglion.js'), argv[2], '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/RANK\/WORLD_SIZE\/MASTER_ADDR\/MASTER_PORT/);
      expect(help.stdout).toMatch(/--progress <mode>/);
    });
  });
});
