/**
 * Whether a database error only says that this transaction lost a race with another one and was rolled
 * back, so that running it again is expected to succeed: a deadlock victim (PostgreSQL 40P01, MySQL and
 * MariaDB ER_LOCK_DEADLOCK) or a serialization failure (PostgreSQL 40001).
 */
export function isTransientConflict(error: unknown): boolean {
  const driverError =
    (error as { driverError?: { code?: unknown; errno?: unknown } } | null)?.driverError ??
    (error as { code?: unknown; errno?: unknown });
  const code = driverError?.code;
  return code === '40P01' || code === '40001' || code === 'ER_LOCK_DEADLOCK' || driverError?.errno === 1213;
}

/** Tries of a unit of work that keeps losing races before its error is passed on. */
export const CONFLICT_RETRIES = 5;

/** A short random pause before running a unit of work again, so that the two sides do not collide again. */
export function conflictBackoff(attempt: number): Promise<void> {
  const ms = Math.random() * 5 * 2 ** attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The connection broke under the statement (server restarted, network cut): a new connection may do. */
export function isConnectionLost(error: unknown): boolean {
  const code =
    (error as { code?: string; driverError?: { code?: string } }).driverError?.code ??
    (error as { code?: string }).code;
  const message = String((error as Error)?.message ?? '');
  return (
    ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', '57P01', '57P02', '57P03', 'PROTOCOL_CONNECTION_LOST'].includes(
      code ?? '',
    ) ||
    /Connection terminated|connection is closed|Can't add new command when connection is in closed state/i.test(message)
  );
}
