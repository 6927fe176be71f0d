import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A time-ordered UUID (v7): ids sort in creation order, which keyset pagination relies on. */
export const newId = (): string => uuidv7();

/** A message id for the `webhook-id` header: `msg_` and 24 random base32 characters. */
export const newMessageId = (): string => `msg_${randomBytes(15).toString('base64url')}`;

/** A fencing token for a lease. */
export const newLeaseToken = (): string => randomBytes(12).toString('base64url');
