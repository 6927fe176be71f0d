import { WebhookValidationError } from '../errors/webhooks.errors';

/**
 * Keyset pagination cursors: the last id of a page, wrapped so that clients treat it as opaque.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`c1:${lastId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: unknown, field = 'cursor'): string {
  if (typeof cursor !== 'string' || cursor.length > 200) {
    throw new WebhookValidationError(field, 'must be a cursor returned by a previous page');
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^c1:[0-9A-Za-z:_-]{1,64}$/.test(text)) {
    throw new WebhookValidationError(field, 'must be a cursor returned by a previous page');
  }
  return text.slice(3);
}

/** Validates a page size. */
export function pageLimit(limit: unknown, field = 'limit', fallback = 50, max = 500): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new WebhookValidationError(field, `must be a whole number from 1 to ${max}`);
  }
  return limit;
}

/** One page of a list. */
export interface WebhookPage<T> {
  items: T[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}
