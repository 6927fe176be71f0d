import type { WebhookClock } from '../../lib';

/**
 * A clock tests move by hand (`forRoot({ clock })`): it starts at the real time, on a whole second (so
 * that `webhook-timestamp` and HTTP dates are exact), and only moves when told.
 */
export class TestClock implements WebhookClock {
  private current: number;

  constructor(start = Math.floor(Date.now() / 1000) * 1000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
}
