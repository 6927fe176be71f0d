/** A column of {@link renderTable}. */
export interface TableColumn {
  header: string;
  /** Right-align (numbers). @default false */
  right?: boolean;
  /** Longest width; longer cells are cut with "…". @default no limit */
  max?: number;
}

/** Cuts `text` to `width` characters, ending with "…" when cut. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * A plain-text table: a header, a rule, the rows; columns as wide as their widest cell (within `max`),
 * two spaces apart, no trailing spaces.
 */
export function renderTable(columns: TableColumn[], rows: string[][]): string {
  const cells = rows.map((row) => columns.map((column, i) => truncate(row[i] ?? '', column.max ?? Infinity)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (columns[i].right ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/**
 * `prefix` then `text`, wrapped at `width` columns; lines after the first start with `indent` (default:
 * as many spaces as `prefix` is long, so the text forms a column).
 */
export function wrap(prefix: string, text: string, width: number, indent = ' '.repeat(prefix.length)): string {
  const lines: string[] = [];
  let current = prefix;
  let empty = true;
  for (const word of text.trim().split(/\s+/)) {
    if (!empty && current.length + 1 + word.length > width) {
      lines.push(current);
      current = indent + word;
    } else {
      current = empty ? current + word : `${current} ${word}`;
    }
    empty = false;
  }
  lines.push(current);
  return lines.join('\n');
}
