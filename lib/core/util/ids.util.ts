import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/** A time-ordered UUID (v7): ids sort in creation order, which keyset pagination relies on. */
export const newId = (): string => uuidv7();

// Random bytes are drawn from a pool refilled 4 KiB at a time: one system call per ~250 ids rather than one
// per id (ids are made for every event raised and every lease).
const pool = Buffer.allocUnsafe(4096);
let offset = pool.length;

function randomBase64Url(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const text = pool.toString('base64url', offset, offset + bytes);
  offset += bytes;
  return text;
}

/** A message id for the `webhook-id` header: `msg_` and 20 random base64url characters (120 bits). */
export const newMessageId = (): string => `msg_${randomBase64Url(15)}`;

/** A fencing token for a lease (96 bits). */
export const newLeaseToken = (): string => randomBase64Url(12);
