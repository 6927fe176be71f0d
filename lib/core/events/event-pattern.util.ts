import { WebhookValidationError } from '../errors/webhooks.errors';

/** Longest event name or pattern accepted. */
const MAX_EVENT_NAME_LENGTH = 255;

// Lower case only: names are compared exactly in memory, and MySQL's default collation would not.
const SEGMENT = '[a-z0-9_-]+';
const EVENT_NAME = new RegExp(`^${SEGMENT}(\\.${SEGMENT})+$`);
const NOUN_WILDCARD = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*\\.\\*$`);
const VERB_WILDCARD = new RegExp(`^\\*\\.${SEGMENT}$`);

/**
 * An event name is `noun.verb` (`contact.create`); the noun may itself be dotted
 * (`contact.address.update` has noun `contact.address`, verb `update`).
 */
export function isEventName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= MAX_EVENT_NAME_LENGTH && EVENT_NAME.test(name);
}

/** A pattern is an event name, `noun.*`, `*.verb` or `*`. */
export function isEventPattern(pattern: unknown): pattern is string {
  return (
    typeof pattern === 'string' &&
    pattern.length <= MAX_EVENT_NAME_LENGTH &&
    (pattern === '*' || EVENT_NAME.test(pattern) || NOUN_WILDCARD.test(pattern) || VERB_WILDCARD.test(pattern))
  );
}

/** Splits an event name at its last dot. */
function splitEventName(name: string): { noun: string; verb: string } {
  const dot = name.lastIndexOf('.');
  return { noun: name.slice(0, dot), verb: name.slice(dot + 1) };
}

/**
 * The four patterns that match an event name, most specific first. Matching a name against stored
 * patterns is then a set lookup (in memory or on an index) rather than a scan.
 */
export function patternsMatching(name: string): readonly [string, string, string, string] {
  let keys = matchingKeys.get(name);
  if (!keys) {
    const { noun, verb } = splitEventName(name);
    keys = Object.freeze([name, `${noun}.*`, `*.${verb}`, '*'] as [string, string, string, string]);
    // Applications raise a bounded set of event names; the cap only guards against unbounded growth.
    if (matchingKeys.size >= 10_000) matchingKeys.clear();
    matchingKeys.set(name, keys);
  }
  return keys;
}

const matchingKeys = new Map<string, readonly [string, string, string, string]>();

/** Whether a pattern matches an event name. */
export function patternMatches(pattern: string, name: string): boolean {
  if (pattern === '*' || pattern === name) return true;
  const { noun, verb } = splitEventName(name);
  return pattern === `${noun}.*` || pattern === `*.${verb}`;
}

/** Validates an event name, throwing a {@link WebhookValidationError} naming `field`. */
export function assertEventName(name: unknown, field = 'event'): string {
  if (!isEventName(name)) {
    throw new WebhookValidationError(
      field,
      `must be an event name of the form "noun.verb" (lower-case letters, digits, "_" and "-" between dots, at most ` +
        `${MAX_EVENT_NAME_LENGTH} characters), e.g. "contact.create"`,
    );
  }
  return name;
}

/**
 * Validates and normalizes a list of event patterns (a single string is a list of one), dropping
 * duplicates while keeping the order.
 */
export function normalizeEventPatterns(input: unknown, field = 'events'): string[] {
  const list = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(list) || list.length === 0) {
    throw new WebhookValidationError(field, 'must be a non-empty list of event patterns, e.g. ["contact.create"]');
  }
  if (list.length > 100) {
    throw new WebhookValidationError(field, 'must hold at most 100 event patterns');
  }
  const seen = new Set<string>();
  list.forEach((pattern, index) => {
    if (!isEventPattern(pattern)) {
      throw new WebhookValidationError(
        `${field}[${index}]`,
        'must be an event pattern: "noun.verb", "noun.*", "*.verb" or "*" ' +
          '(lower-case letters, digits, "_" and "-" between dots), e.g. "contact.*"',
      );
    }
    seen.add(pattern);
  });
  return [...seen];
}
