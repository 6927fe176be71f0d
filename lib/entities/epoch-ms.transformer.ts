import type { ValueTransformer } from 'typeorm';

/**
 * Times are stored as epoch milliseconds in BIGINT columns: exact to the millisecond and free of time
 * zones on SQLite, PostgreSQL and MySQL alike, and compared with plain numbers from the module's clock.
 */
export const epochMsTransformer: ValueTransformer = {
  to: (value: Date | number | null | undefined) =>
    value == null ? value : value instanceof Date ? value.getTime() : value,
  from: (value: string | number | null | undefined) => (value == null ? value : new Date(Number(value))),
};

/** BIGINT counters come back as strings from PostgreSQL and MySQL; they fit in a JS number. */
export const bigintNumberTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null | undefined) => (value == null ? value : Number(value)),
};
