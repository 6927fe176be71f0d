/**
 * The work still under way after a stage handed something on — results being written, reactions writing
 * their changes — so that "idle" (the engine's `whenIdle()`, the testing kit's `waitForDeliveries()`, a
 * graceful shutdown) means that everything that follows from a delivery has happened.
 */
export class WebhookPipelineActivity {
  private readonly running = new Set<Promise<unknown>>();
  private readonly probes: Array<{ busy: () => boolean; settled: () => Promise<unknown> }> = [];

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

  /**
   * Adds work that a stage keeps itself (results waiting in a buffer, say): `busy` tells whether some is
   * under way, `settled` resolves once what is under way now is done.
   */
  watch(busy: () => boolean, settled: () => Promise<unknown>): void {
    this.probes.push({ busy, settled });
  }

  /** Whether nothing tracked or watched is under way. */
  get idle(): boolean {
    return this.running.size === 0 && !this.probes.some((probe) => probe.busy());
  }

  /** Resolves once what is tracked or watched now has settled (never rejects). */
  async settled(): Promise<void> {
    while (!this.idle) {
      await Promise.all([
        ...this.running,
        ...this.probes.filter((probe) => probe.busy()).map((probe) => probe.settled().catch(() => undefined)),
      ]);
    }
  }
}
