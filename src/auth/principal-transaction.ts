import type { Pool, QueryResult } from 'pg';
import { RequestTransaction } from '../db/request-transaction';
import {
  type Credential,
  principalFromRows,
  principalPreamble,
  type RequestIds,
} from './authenticate';

/**
 * Opens a request's transaction with its principal loaded (`principalPreamble`), the
 * principal found in it (null when the credential names nobody who may act) and the
 * preamble's results (the agreements in force among them).
 *
 * A user with pending invitations (invited by e-mail address, signing in) has them bound
 * first, in a transaction of their own as the owner (`bind_pending_invitations`), and the
 * request's transaction is opened again so that its scope holds them. Binding them inside the
 * request's transaction wrote shards that the request's own reads as the application role then
 * touched, which Citus refuses (migrations/1796187643326-invitations-bound-apart.ts). Only
 * that first request pays the extra round trips; an invitation that cannot be bound now (the
 * same role granted meanwhile) waits for the next request, as before.
 */
export async function openPrincipalTransaction(
  pool: Pool,
  credential: Exclude<Credential, { kind: 'anonymous' }>,
  ids?: RequestIds,
  deadline?: number,
): Promise<[RequestTransaction, ReturnType<typeof principalFromRows>, QueryResult[]]> {
  const preamble = principalPreamble(credential, ids);
  let [tx, results] = await RequestTransaction.open(pool, preamble, deadline);
  if (credential.kind === 'jwt' && hasPendingInvitations(results[0]?.rows ?? [])) {
    await tx.rollback();
    await pool.query('SELECT bind_pending_invitations($1)', [credential.subject]);
    [tx, results] = await RequestTransaction.open(pool, preamble, deadline);
  }
  return [tx, principalFromRows(credential, results[0]?.rows ?? []), results];
}

function hasPendingInvitations(rows: unknown[]): boolean {
  return (rows[0] as { pending_invitations?: boolean } | undefined)?.pending_invitations === true;
}
