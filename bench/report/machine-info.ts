import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** The machine a benchmark ran on, as printed at the top and stored in the results. */
export interface MachineInfo {
  /** CPU model as the OS reports it. */
  readonly cpuModel: string;
  /** Logical CPUs visible to this process. */
  readonly cores: number;
  /** 1, 5 and 15 minute load averages when the suite started. */
  readonly loadAverage: readonly [number, number, number];
  readonly totalMemoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly nodeVersion: string;
  readonly platform: string;
  readonly arch: string;
}

/** Reads the machine's description now (the load average changes as the suite runs). */
export function machineInfo(): MachineInfo {
  const [one, five, fifteen] = loadavg();
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    loadAverage: [one, five, fifteen],
    totalMemoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    nodeVersion: process.version,
    platform: process.platform,
    arch: process.arch,
  };
}

/** One line for people: `AMD EPYC, 2 cores, load 1.20 0.90 0.80, Node v20.20.2, linux/x64, 7.8 GiB`. */
export function describeMachine(info: MachineInfo): string {
  const load = info.loadAverage.map((value) => value.toFixed(2)).join(' ');
  return (
    `${info.cpuModel}, ${info.cores} cores, load average ${load}, Node ${info.nodeVersion}, ` +
    `${info.platform}/${info.arch}, ${info.totalMemoryGiB} GiB RAM (${info.freeMemoryGiB} free)`
  );
}
