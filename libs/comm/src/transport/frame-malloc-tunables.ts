/**
 * glibc malloc settings for a process that receives megabyte frames
 * (a worker, a star coordinator), given through GLIBC_TUNABLES when the
 * process starts (glibc reads them once, before any JavaScript runs).
 *
 * Why: libzmq allocates every received message with malloc, and zeromq.js
 * frees it when the garbage collector drops its Buffer, frames of a whole
 * collection at once. With glibc's defaults those frees leave megabytes
 * free at the top of the heap, glibc hands them back to the kernel (its
 * trim threshold adapts to twice the largest freed block: 4 MiB for 2 MiB
 * frames), and the next frames fault the same pages in again, 512 faults
 * per 2 MiB. On this VM that is most of a call: a two-process ring
 * allreduce of 4 MiB took a median 18-19 ms with the defaults against
 * 4.6-4.8 ms with these settings, and a bare ZeroMQ exchange of the same
 * chunks went from 3.5-6.7 ms to 2.0-2.3 ms, as fast as node:net
 * (libs/comm README, "glibc handing frame memory back").
 *
 * Fixed thresholds keep freed frame memory in the heap for the next frames:
 * blocks up to 32 MiB (glibc's largest mmap threshold) come from the heap,
 * and up to 256 MiB of free heap stay with the process.
 */
export const FRAME_MALLOC_TUNABLES: Readonly<Record<string, string>> = {
  'glibc.malloc.mmap_threshold': String(32 * 1024 * 1024),
  'glibc.malloc.trim_threshold': String(256 * 1024 * 1024),
};

const TUNABLES_ENV = 'GLIBC_TUNABLES';

function tunablesOf(env: NodeJS.ProcessEnv): Map<string, string> {
  const entries = (env[TUNABLES_ENV] ?? '')
    .split(':')
    .filter((entry) => entry.includes('='))
    .map((entry): [string, string] => {
      const equals = entry.indexOf('=');
      return [entry.slice(0, equals), entry.slice(equals + 1)];
    });
  return new Map(entries);
}

/**
 * `env` with FRAME_MALLOC_TUNABLES added to GLIBC_TUNABLES, for a process
 * about to be started (e.g. the workers of `ganglion launch`). Tunables
 * already set there, ours included, are kept as they are.
 */
export function withFrameMallocTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const tunables = tunablesOf(env);
  for (const [name, value] of Object.entries(FRAME_MALLOC_TUNABLES)) {
    if (!tunables.has(name)) tunables.set(name, value);
  }
  return { ...env, [TUNABLES_ENV]: [...tunables].map(([name, value]) => `${name}=${value}`).join(':') };
}

/** Whether this process runs on glibc (GLIBC_TUNABLES means nothing to musl, macOS or Windows). */
export function runsOnGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === 'string';
}

/**
 * The FRAME_MALLOC_TUNABLES this process did not start with (none off
 * glibc), and a line that says how to start it with them.
 */
export function missingFrameMallocTunables(env: NodeJS.ProcessEnv = process.env, onGlibc: boolean = runsOnGlibc()): { readonly missing: string[]; readonly advice: string } {
  const tunables = tunablesOf(env);
  const missing = onGlibc ? Object.keys(FRAME_MALLOC_TUNABLES).filter((name) => !tunables.has(name)) : [];
  const wanted = Object.entries(FRAME_MALLOC_TUNABLES)
    .map(([name, value]) => `${name}=${value}`)
    .join(':');
  return {
    missing,
    advice:
      `this process started without ${missing.join(' and ')} in ${TUNABLES_ENV}: glibc then hands the memory of received gradient frames back to the kernel ` +
      `and faults it in again for the next ones, which can make an allreduce several times slower. ` +
      `Start it with ${TUNABLES_ENV}=${wanted} (\`ganglion launch\` does so for its workers; the Slurm, Kubernetes and Docker files in deploy/ set it).`,
  };
}
