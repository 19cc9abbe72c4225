import { InvalidArgumentError, Option } from 'commander';

// Parsers of the option values every `ganglion` command shares.

export function positiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return parsed;
}

export function nonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return parsed;
}

/** A TCP port, 0..65535 (0: any free port). */
export function tcpPort(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError(`expected a port from 0 to 65535 (0: any free port), got "${value}"`);
  return parsed;
}

export function positiveSeconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}"`);
  return parsed;
}

/** `--non-finite skip|stop`: what to do with a NaN or Inf averaged gradient (overrides the pipeline's nonFiniteGradients). */
export function nonFiniteOption(): Option {
  return new Option('--non-finite <policy>', "NaN/Inf averaged gradient: skip that update with a warning, or stop (default 'stop')").choices([
    'skip',
    'stop',
  ]);
}
