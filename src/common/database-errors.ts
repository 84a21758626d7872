import { DomainError, ErrorCode } from './errors';

/**
 * The one map from PostgreSQL and connection errors to client codes. The messages are ours:
 * PostgreSQL's name constraints, tables and values, which must never reach a client.
 */
const BY_SQLSTATE: Record<string, [ErrorCode, string]> = {
  '23505': [ErrorCode.CONFLICT, 'A record with the same identifying values already exists'],
  '23503': [ErrorCode.BAD_USER_INPUT, 'The input refers to a record that does not exist'],
  '57014': [ErrorCode.TIMEOUT, 'The request took too long and was stopped; it changed nothing'],
  '25P03': [ErrorCode.TIMEOUT, 'The request took too long and was stopped; it changed nothing'],
};

const UNAVAILABLE = 'The database is unavailable; try again shortly';

/** Connection-level failures: the server is down, restarting, or refusing connections. */
function isConnectionFailure(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  return (
    code.startsWith('08') || // connection exception
    ['57P01', '57P02', '57P03', '53300'].includes(code) || // shutdown, crash, starting, too many
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      message,
    )
  );
}

/** A client-facing error for a known database error, or null for anything else (masked). */
export function databaseError(error: unknown): DomainError | null {
  if (!error || typeof error !== 'object') return null;
  const failure = error as { code?: unknown; message?: unknown };
  const known = typeof failure.code === 'string' ? BY_SQLSTATE[failure.code] : undefined;
  if (known) return new DomainError(known[0], known[1]);
  if (isConnectionFailure(failure))
    return new DomainError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE);
  return null;
}
