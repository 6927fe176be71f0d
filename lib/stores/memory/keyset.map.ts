/**
 * Values by id, with the ids in ascending order for keyset paging (a page starts after the last id of the
 * one before). The order is rebuilt on demand after an id is added or removed: lists page through far less
 * often than single values are read and written.
 */
export class KeysetMap<V> {
  private readonly byId = new Map<string, V>();
  private sorted: string[] | null = [];

  get(id: string): V | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  set(id: string, value: V): void {
    if (!this.byId.has(id)) this.sorted = null;
    this.byId.set(id, value);
  }

  delete(id: string): void {
    if (this.byId.delete(id)) this.sorted = null;
  }

  values(): IterableIterator<V> {
    return this.byId.values();
  }

  /** The ids in ascending order, as they are now. */
  ids(): readonly string[] {
    return (this.sorted ??= [...this.byId.keys()].sort());
  }
}

/** The index of the first id greater than `after` in ascending `ids` (0 without `after`). */
export function firstAfter(ids: readonly string[], after: string | undefined): number {
  if (after === undefined) return 0;
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle] <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}
