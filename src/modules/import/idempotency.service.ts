import { createHash } from 'node:crypto';
import { conflict } from '../../common/errors';
import type { RequestContext } from '../../context';

/** How long a key is remembered: the IETF draft and PITFALLS ask for at least 24 hours. */
export const IDEMPOTENCY_RETENTION = '7 days';

/** SHA-256 of a value's canonical JSON (keys sorted, undefined left out). */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export type IdempotencyKey = Readonly<{
  tenantId: string;
  key: string;
  operation: string;
  hash: string;
}>;

/**
 * Claims the key for this request, or returns the response stored under it. The INSERT
 * takes the key's row lock: a concurrent request with the same key blocks on it until this
 * transaction ends, then finds the committed row and its response. A key of the same
 * principal with another body (or operation) is CONFLICT; keys older than the retention
 * period, or left without a response, are claimed afresh.
 */
export async function claimIdempotencyKey<T>(
  ctx: RequestContext,
  claim: IdempotencyKey,
): Promise<T | null> {
  const params = [claim.tenantId, ctx.access.actor, claim.key, claim.operation, claim.hash];
  // Each principal's expired keys go as it makes new ones, so the table stays bounded without
  // a separate job (the primary key's prefix finds them).
  await ctx.tx.query(
    `DELETE FROM idempotency_keys
     WHERE tenant_id = $1 AND principal = $2 AND key <> $3
       AND created_at < now() - interval '${IDEMPOTENCY_RETENTION}'`,
    params.slice(0, 3),
  );
  // EXCLUDED.created_at is now() (the column's default), and the age a difference of two
  // timestamps: Citus takes only immutable functions in DO UPDATE (timestamptz − interval is
  // not).
  const claimed = await ctx.tx.query(
    `INSERT INTO idempotency_keys AS k (tenant_id, principal, key, operation, request_hash)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, principal, key) DO UPDATE
       SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash,
         response = NULL, created_at = EXCLUDED.created_at
       WHERE k.response IS NULL
         OR EXCLUDED.created_at - k.created_at > interval '${IDEMPOTENCY_RETENTION}'
     RETURNING 1`,
    params,
  );
  if (claimed.length > 0) return null;
  const [stored] = await ctx.tx.query<{ operation: string; hash: string; response: T }>(
    `SELECT operation, request_hash AS hash, response FROM idempotency_keys
     WHERE tenant_id = $1 AND principal = $2 AND key = $3`,
    params.slice(0, 3),
  );
  if (!stored || stored.operation !== claim.operation || stored.hash !== claim.hash) {
    throw conflict('This idempotency key was used with a different request', {
      field: 'idempotencyKey',
    });
  }
  return stored.response;
}

/** Stores the response under the claimed key, in the same transaction as the writes. */
export async function storeIdempotentResponse(
  ctx: RequestContext,
  claim: IdempotencyKey,
  response: unknown,
): Promise<void> {
  await ctx.tx.query(
    `UPDATE idempotency_keys SET response = $4::jsonb
     WHERE tenant_id = $1 AND principal = $2 AND key = $3`,
    [claim.tenantId, ctx.access.actor, claim.key, JSON.stringify(response)],
  );
}

/** Gives a claimed key back (nothing was written, so a corrected retry may reuse it). */
export async function releaseIdempotencyKey(
  ctx: RequestContext,
  claim: IdempotencyKey,
): Promise<void> {
  await ctx.tx.query(
    `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND principal = $2 AND key = $3`,
    [claim.tenantId, ctx.access.actor, claim.key],
  );
}
