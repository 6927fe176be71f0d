import type { ResultRow } from './scenario';

const COLUMNS = ['scenario', 'metric', 'value', 'baseline', 'ratio', 'target', 'pass', 'notes'] as const;

/** A number for people: 3 significant digits below 100, grouped thousands above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs === 0) return '0';
  if (abs >= 1) return value.toFixed(abs >= 10 ? 1 : 2);
  return value.toPrecision(3);
}

function cell(value: number | string | null | undefined, unit?: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return unit ? `${formatNumber(value)} ${unit}` : formatNumber(value);
}

/** The rows as the text table `npm run bench` prints (and the README shows). */
export function formatTable(rows: readonly ResultRow[]): string {
  const cells = rows.map((row) => [
    row.scenario,
    row.metric,
    cell(row.value, row.unit),
    row.baseline == null
      ? ''
      : `${cell(row.baseline, row.baselineUnit ?? row.unit)}${row.baselineLabel ? ` (${row.baselineLabel})` : ''}`,
    row.ratio == null ? '' : `${formatNumber(row.ratio)}×`,
    row.target ?? '',
    row.verdict,
    row.note ?? '',
  ]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i].length)));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i])))
      .join(' | ')
      .trimEnd();
  return [
    line(COLUMNS),
    widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.max(5, w) : w)).join('-|-'),
    ...cells.map(line),
  ].join('\n');
}
