/**
 * The sample organisation, as scopes (the hierarchy of nti.webhooks' examples): NOAA, its department NWS,
 * and two of its weather forecast offices. A subscription in a scope receives the events raised there and
 * beneath; each office is a child scope of the department.
 */
export const NOAA = '/noaa';

/** The National Weather Service, a department of NOAA. */
export const NWS = '/noaa/nws';

/** The offices contacts belong to: Norman (OUN) and Amarillo (AMA). */
export const OFFICES = {
  oun: '/noaa/nws/oun',
  ama: '/noaa/nws/ama',
} as const;

/** The scope of an office. */
export type Office = (typeof OFFICES)[keyof typeof OFFICES];

/** Whether `scope` is one of the offices. */
export function isOffice(scope: unknown): scope is Office {
  return Object.values(OFFICES).includes(scope as Office);
}
