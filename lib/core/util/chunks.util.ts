/** Splits a list into slices of at most `size` (bounded IN lists and multi-row inserts). */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
