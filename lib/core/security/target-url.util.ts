import { WebhookValidationError } from '../errors/webhooks.errors';
import { unstorableTextReason } from '../errors/webhooks.messages';
import { isStorableText } from '../util/storable-text.util';

/** Longest target URL accepted. */
const MAX_TARGET_URL_LENGTH = 2048;

/**
 * Checks the form of a target URL (HTTPS only unless `targets.allowHttp`, so that payloads and signatures
 * do not cross the network in clear):
 * absolute, `https:` (or `http:`), a host, no user name or password. Where it may point (the address
 * check) is the destination guard's job, at creation and again at every send.
 */
export function assertTargetUrl(value: unknown, options: { allowHttp: boolean }, field = 'to'): string {
  const absolute = options.allowHttp
    ? 'must be an absolute https:// or http:// URL'
    : 'must be an absolute https:// URL';
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WebhookValidationError(field, absolute);
  }
  if (value.length > MAX_TARGET_URL_LENGTH) {
    throw new WebhookValidationError(field, `must be at most ${MAX_TARGET_URL_LENGTH} characters long`);
  }
  // The URL is stored as given: the parser would accept (and encode) what the database cannot keep.
  if (!isStorableText(value)) throw new WebhookValidationError(field, unstorableTextReason());
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new WebhookValidationError(field, absolute);
  }
  if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
    throw new WebhookValidationError(
      field,
      options.allowHttp
        ? 'must use https:// or http://'
        : 'must use https:// (http:// needs targets.allowHttp, for development only)',
    );
  }
  if (!url.hostname) {
    throw new WebhookValidationError(field, 'must name a host');
  }
  if (url.username || url.password) {
    throw new WebhookValidationError(
      field,
      'must not contain a user name or password; use a dialect header for credentials',
    );
  }
  return value;
}
