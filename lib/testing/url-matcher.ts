import { WebhookValidationError } from '../core/errors/webhooks.errors';
import { urlMatcherReason } from './testing.messages';

/**
 * Which requests a rule applies to: a URL matched exactly (or, ending with `*`, as a prefix:
 * `'https://example.com/*'`), a RegExp tested against the URL, or a predicate on it.
 */
export type WebhookUrlMatcher = string | RegExp | ((url: string) => boolean);

/** Whether `value` matches `matcher` (see {@link WebhookUrlMatcher}). */
export function urlMatches(matcher: WebhookUrlMatcher, value: string): boolean {
  if (typeof matcher === 'function') return matcher(value);
  if (matcher instanceof RegExp) {
    // A global or sticky RegExp keeps state between tests; every match starts from the beginning.
    matcher.lastIndex = 0;
    return matcher.test(value);
  }
  return matcher.endsWith('*') ? value.startsWith(matcher.slice(0, -1)) : value === matcher;
}

/** @throws WebhookValidationError naming `field` when `matcher` is not a {@link WebhookUrlMatcher}. */
export function assertUrlMatcher(matcher: unknown, field: string, reason = urlMatcherReason()): WebhookUrlMatcher {
  if ((typeof matcher === 'string' && matcher !== '') || matcher instanceof RegExp || typeof matcher === 'function') {
    return matcher as WebhookUrlMatcher;
  }
  throw new WebhookValidationError(field, reason);
}

/**
 * A failure mode that is off, on for everything, or on for some URLs (or hosts). `true` turns it on for
 * everything, `false` off entirely; a matcher adds to those it is on for.
 */
export class FailureSwitch {
  private everything = false;
  private readonly matchers: WebhookUrlMatcher[] = [];

  constructor(
    private readonly field: string,
    private readonly reason = urlMatcherReason(),
  ) {}

  set(on: boolean | WebhookUrlMatcher): void {
    if (on === true) {
      this.everything = true;
    } else if (on === false) {
      this.everything = false;
      this.matchers.length = 0;
    } else {
      this.matchers.push(assertUrlMatcher(on, this.field, this.reason));
    }
  }

  /** Whether the failure applies to `value`. */
  matches(value: string): boolean {
    return this.everything || this.matchers.some((matcher) => urlMatches(matcher, value));
  }

  get active(): boolean {
    return this.everything || this.matchers.length > 0;
  }
}
