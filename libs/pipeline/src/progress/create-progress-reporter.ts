import { BarProgressReporter } from './bar-progress-reporter';
import { LineProgressReporter } from './line-progress-reporter';
import type { ProgressMode, ProgressReporter } from './progress-reporter';

/** Resolves `auto` by whether the output is a terminal; `bar` and `lines` are kept as asked. */
export function resolveProgressMode(mode: ProgressMode, isTTY: boolean | undefined): 'bar' | 'lines' {
  if (mode === 'auto') return isTTY === true ? 'bar' : 'lines';
  return mode;
}

/** Parses a `--progress` value; throws a message that lists the choices. */
export function parseProgressMode(value: string): ProgressMode {
  if (value === 'auto' || value === 'bar' || value === 'lines') return value;
  throw new RangeError(`--progress must be auto, bar or lines, got '${value}'.`);
}

export interface CreateProgressReporterOptions {
  /** `auto` (the default): a bar when `isTTY`, plain lines otherwise. */
  readonly mode?: ProgressMode;
  /** Whether the output is a terminal. Default process.stdout.isTTY. */
  readonly isTTY?: boolean;
  /** Plain lines: one every this many steps. */
  readonly logEvery: number;
  /** Plain lines: where each goes (e.g. the logger's info). */
  readonly write: (fields: Record<string, unknown>, text: string) => void;
  /** The bar's terminal; default process.stderr. */
  readonly stream?: NodeJS.WritableStream;
}

/** The reporter for a run: BarProgressReporter on a terminal, LineProgressReporter elsewhere. */
export function createProgressReporter(options: CreateProgressReporterOptions): ProgressReporter {
  const mode = resolveProgressMode(options.mode ?? 'auto', options.isTTY ?? process.stdout.isTTY);
  return mode === 'bar'
    ? new BarProgressReporter({ stream: options.stream })
    : new LineProgressReporter({ logEvery: options.logEvery, write: options.write });
}
