/** Whether `error` says this package is not installed (rather than installed and broken). */
export function isNotInstalled(error: unknown, packageName: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return e?.code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${packageName}'`);
}

/** The first line of an error's message, for one-line reasons. */
export function firstLine(error: unknown): string {
  // Duck-typed: errors from another realm (jest's module registry) are not `instanceof Error`.
  const message = typeof (error as { message?: unknown })?.message === 'string'
    ? (error as { message: string }).message
    : String(error);
  return message.split('\n')[0].trim();
}
