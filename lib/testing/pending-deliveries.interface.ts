/** What is still to be delivered. */
export interface PendingWebhookDeliveries {
  /** Pending attempts in all: stored ones plus those of in-memory (static, non-persistent) subscriptions. */
  total: number;
  /** Pending attempts in the webhooks database (whichever instance holds them). */
  stored: number;
  /** Pending attempts of in-memory subscriptions. */
  inMemory: number;
  /** Stored pending attempts due now that no lease holds: the next poll claims them. */
  due: number;
  /** Attempts queued in, or being tried by, this instance's delivery engine. */
  inEngine: number;
  /** When the earliest stored pending attempt is due (for a held one, when its lease runs out). */
  nextAttemptAt: Date | null;
}
