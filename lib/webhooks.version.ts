/** The package version, sent in the default User-Agent (a test keeps it equal to package.json's). */
export const WEBHOOKS_VERSION = '0.1.0';

/** The default User-Agent of webhook requests. */
export const WEBHOOKS_USER_AGENT = `nestjs-webhooks/${WEBHOOKS_VERSION}`;
