/**
 * The work still under way after a stage handed something on — results being written, reactions writing
 * their changes — so that "idle" (the engine's `whenIdle()`, the testing kit's `waitForDeliveries()`, a
 * graceful shutdown) means that everything that follows from a delivery has happened.
 */
export class WebhookPipelineActivity {
  private readonly running = new Set<Promise<unknown>>();
  private readonly probes: Array<() => boolean> = [];

  /** Counts `work` as under way until it settles; returns it. */
  track<T>(work: Promise<T>): Promise<T> {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(settled);
    void settled.then(() => this.running.delete(settled));
    return work;
  }

  /** Adds a check of work that a stage keeps itself (results waiting in a buffer, say). */
  watch(busy: () => boolean): void {
    this.probes.push(busy);
  }

  /** Whether nothing tracked or watched is under way. */
  get idle(): boolean {
    return this.running.size === 0 && !this.probes.some((busy) => busy());
  }

  /** Resolves once what is tracked now has settled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
