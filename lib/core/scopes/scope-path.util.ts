import { WebhookValidationError } from '../errors/webhooks.errors';
import { ROOT_SCOPE } from '../webhooks.constants';

/** Longest scope path accepted. */
const MAX_SCOPE_LENGTH = 255;

const SCOPE = /^(\/[A-Za-z0-9_~@:+=-][A-Za-z0-9._~@:+=-]*)+$/;

/**
 * A scope is a path: `/` (the root) or `/segment/segment...`. Segments hold letters, digits and
 * `. _ ~ @ : + = -`, never start with a dot (so no `.` or `..`), and are never empty.
 */
export function isScope(scope: unknown): scope is string {
  return typeof scope === 'string' && scope.length <= MAX_SCOPE_LENGTH && (scope === ROOT_SCOPE || SCOPE.test(scope));
}

/** Validates a scope path, throwing a {@link WebhookValidationError} naming `field`. */
export function assertScope(scope: unknown, field = 'scope'): string {
  if (!isScope(scope)) {
    throw new WebhookValidationError(
      field,
      `must be a scope path: "/" or "/segment[/segment...]" (letters, digits and . _ ~ @ : + = - in each ` +
        `segment, no empty, "." or ".." segments, no trailing "/", at most ${MAX_SCOPE_LENGTH} characters), ` +
        `e.g. "/acme/sales"`,
    );
  }
  return scope;
}

const lineages = new Map<string, readonly string[]>();

/** The scope and its ancestors, nearest first: `/a/b` → `['/a/b', '/a', '/']`. The result must not be modified. */
export function scopeLineage(scope: string): readonly string[] {
  let known = lineages.get(scope);
  if (known) return known;
  // Events are raised in a bounded set of scopes; the cap only guards against unbounded growth.
  if (lineages.size >= 10_000) lineages.clear();
  lineages.set(scope, (known = Object.freeze(computeLineage(scope))));
  return known;
}

function computeLineage(scope: string): string[] {
  const lineage = [scope];
  let current = scope;
  while (current !== ROOT_SCOPE) {
    const slash = current.lastIndexOf('/');
    current = slash === 0 ? ROOT_SCOPE : current.slice(0, slash);
    lineage.push(current);
  }
  return lineage;
}

/** Whether `scope` is `ancestor` or lies beneath it. */
export function isWithinScope(scope: string, ancestor: string): boolean {
  return ancestor === ROOT_SCOPE || scope === ancestor || scope.startsWith(`${ancestor}/`);
}

/** Whether `scope` lies on `branch`'s branch: `branch` itself, one of its ancestors, or beneath it. */
export function isRelatedScope(scope: string, branch: string): boolean {
  return isWithinScope(scope, branch) || isWithinScope(branch, scope);
}
