/** The messages of event schemas: payload validation, schema loading. */

/** `payload.address.zip must be string` — the first problem, then how many more. */
export const payloadSchemaMessage = (event: string, problems: ReadonlyArray<{ path: string; message: string }>) => {
  const [first] = problems;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : '';
  return `The payload of "${event}" does not match its schema: ${first.path} ${first.message}${more}.`;
};

export const ajvMissingMessage = (what: string) =>
  `${what} needs the JSON Schema validator ajv (an optional peer dependency): npm install ajv ` +
  `(and ajv-formats to check "format"s), or turn payload validation off.`;

export const invalidSchemaMessage = (event: string, reason: string) =>
  `The JSON schema of event "${event}" cannot be compiled: ${reason}`;
