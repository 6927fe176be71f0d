/** The messages of the event-type catalog. */

export const unknownEventTypeReason = (known: readonly string[]): string => {
  const shown = known.slice(0, 20).join(', ');
  const more = known.length > 20 ? `, … (${known.length - 20} more)` : '';
  return known.length === 0
    ? 'matches no event type of this application (the catalog is strict and empty: declare forRoot({ eventTypes }))'
    : `matches no event type of this application (strictEventTypes is on; known: ${shown}${more})`;
};
