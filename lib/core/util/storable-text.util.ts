/**
 * Characters that no database column gives back as they were given: NUL (PostgreSQL refuses it in text,
 * failing the whole statement) and unpaired UTF-16 surrogates (every driver encodes them as U+FFFD).
 */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters this must find
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `value` can be stored in a text column and read back unchanged on every supported database.
 * Input is checked with it so that such text is refused as bad input (a 400 naming the field) instead of
 * failing in the database (PostgreSQL) or being stored altered (elsewhere).
 */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

/**
 * Whether `id` can be an id the module stored: a string of 1 to 64 storable characters. Anything else is
 * not looked up (it cannot exist), so that a hostile id is "not found" rather than a database error.
 */
export function isLookupId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= 64 && isStorableText(id);
}
