export const payloadTooLargeMessage = (event: string, dialect: string, size: number, limit: number): string =>
  `The payload of event "${event}" renders to ${size} bytes for dialect "${dialect}", more than maxPayloadBytes ` +
  `(${limit}). Send less (ids and a link to fetch the rest, or a payload shaper that leaves out large fields), or ` +
  'raise forRoot({ maxPayloadBytes }).';
