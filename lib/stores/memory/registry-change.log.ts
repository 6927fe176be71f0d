/**
 * The registry's version and change log in memory: every change gets the next version and the ids it
 * changed. At least the last `limit` versions are kept (at most twice that, so that dropping old ones is a
 * slice now and then, not a shift per change); a caller further behind is told to reload everything.
 */
export class RegistryChangeLog {
  /** The current version: 0 before the first change. */
  version = 0;
  /** `entries[i]` holds the ids changed by version `first + i`. */
  private entries: Array<readonly string[]> = [];
  private first = 1;

  constructor(private readonly limit: number) {}

  /** Logs one change of `ids` under the next version. */
  record(ids: readonly string[]): void {
    this.version++;
    this.entries.push(ids);
    if (this.entries.length >= 2 * this.limit) {
      this.entries = this.entries.slice(-this.limit);
      this.first = this.version - this.entries.length + 1;
    }
  }

  /**
   * The ids changed by the versions after `since` up to `until`, or `null` when the log no longer reaches
   * back to `since` (or `until` is a version not reached yet).
   */
  changesSince(since: number, until: number): readonly string[] | null {
    if (until <= since) return [];
    if (since + 1 < this.first || until > this.version) return null;
    const ids = new Set<string>();
    for (let version = since + 1; version <= until; version++) {
      for (const id of this.entries[version - this.first]) ids.add(id);
    }
    return [...ids];
  }
}
