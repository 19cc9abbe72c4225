/** Throws unless `value` is an integer >= `min`; `field` is the option's full name. */
export function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${field} must be an integer >= ${min}, got ${value}.`);
  }
}
