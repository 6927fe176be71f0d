/**
 * Sizes of the fault suites: small enough for CI by default, bigger under `npm run test:soak`
 * (`WEBHOOKS_SOAK=1`).
 */
export const SOAK = process.env.WEBHOOKS_SOAK === '1' || process.env.WEBHOOKS_SOAK === 'true';

/** `ci` normally, `soak` under `WEBHOOKS_SOAK=1`. */
export const sized = (ci: number, soak: number): number => (SOAK ? soak : ci);

/** A time budget for a test, in ms: generous under soak. */
export const budget = (ci: number, soakFactor = 10): number => (SOAK ? ci * soakFactor : ci);
