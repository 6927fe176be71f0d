/** Why a rate limit that is not an object is refused. */
export const rateLimitObjectReason = (): string =>
  'must be an object such as { "perSecond": 10, "burst": 20 }, or null for no limit';

/** Why a limit's number is refused. */
export const limitFieldReason = (min: number, max: number, whole: boolean): string =>
  `must be a ${whole ? 'whole ' : ''}number from ${min} to ${max}, or null for no limit`;
