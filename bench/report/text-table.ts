import type { SummaryStats } from './summary-stats';

/**
 * Lays out rows as a plain-text table: the header, a rule, then the rows,
 * each column as wide as its widest cell; numbers right-aligned.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[\d.,/ %x+-]*$|^—$/.test(row[column] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** `12.3 / 14.0 / 20.9`: min / median / max with `digits` decimals. */
export function formatStats(stats: SummaryStats, digits = 1): string {
  return [stats.min, stats.median, stats.max].map((value) => value.toFixed(digits)).join(' / ');
}
