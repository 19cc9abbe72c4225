/**
 * Refuses option names a component does not know, so a typo or a renamed
 * option (`dir` for `source`) fails at start-up instead of being ignored.
 */
export function checkOptionKeys(component: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${component}: options must be an object, got ${JSON.stringify(options)}.`);
  }
  const unknown = Object.keys(options).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new Error(`${component}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `\`${k}\``).join(', ')}; the options are ${known.join(', ')}.`);
  }
}
