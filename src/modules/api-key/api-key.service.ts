import { generateApiKey } from '../../auth/api-key-secret';
import { administeredTenants } from '../../auth/administered-tenants';
import { actorOf, type Scope } from '../../auth/principal';
import { fetchPage, OrderDirection, type Page, type PageArgs } from '../../common/connection';
import { badUserInput, forbidden, notFound } from '../../common/errors';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { auditDiff, recordAudit } from '../audit/audit.service';
import type { CreateApiKeyInput, RevokeApiKeyInput } from './api-key.inputs';
import type { ApiKey } from './api-key.type';

/*
 * api_keys is a global table without row-level security, so the SQL alone keeps one
 * tenant's admin away from another's keys: a caller manages a key only when it administers
 * every tenant the key works in (a platform admin administers them all). Keys outside that
 * set are NOT_FOUND, like ids that do not exist.
 */

/** Runs one statement: the request transaction's, or a script's own connection. */
export type Run = <R extends object>(sql: string, params: unknown[]) => Promise<R[]>;

// Never secret_hash: it stays in the database.
const COLUMNS = `k.id, k.name, k.prefix, k.organisation_id AS "organisationId",
  k.tenant_ids AS "tenantIds", k.scopes, k.expires_at AS "expiresAt", k.created_at AS "createdAt",
  k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"`;

/** SQL true for the keys the caller administers: all of the key's tenants are its. */
function administeredKeySql(ctx: RequestContext, params: unknown[]): string {
  return `(cardinality(k.tenant_ids) > 0 AND k.tenant_ids <@ ${param(params, ctx.access.adminTenantIds)}::uuid[])`;
}

/** Keys the caller administers, oldest first, revoked and expired ones included. */
export async function listApiKeys(ctx: RequestContext, args: PageArgs): Promise<Page<ApiKey>> {
  const params: unknown[] = [];
  return fetchPage<ApiKey>(ctx, {
    select: COLUMNS,
    from: 'api_keys k',
    where: [administeredKeySql(ctx, params)],
    params,
    sort: { column: 'k.created_at', cast: 'timestamptz', value: (row) => row.createdAt },
    idColumn: 'k.id',
    direction: OrderDirection.ASC,
    first: args.first,
    after: args.after,
  });
}

/**
 * Creates a key for an organisation in tenants the caller administers, and returns the
 * whole key once. The caller must administer every tenant (else FORBIDDEN, whether or not
 * the tenant exists); a key creating a key cannot hand out a scope it lacks itself.
 */
export async function createApiKey(
  ctx: RequestContext,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKey; secret: string }> {
  const name = input.name.trim();
  if (name.length === 0) throw badUserInput('name', 'name must not be blank');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw badUserInput('expiresAt', 'expiresAt must be in the future');
  }
  const { ids: tenantIds, refused } = administeredTenants(ctx.access, input.tenantCodes);
  if (refused.length > 0) {
    throw forbidden(
      `You do not administer ${refused.join(', ')}: only an admin of every tenant of a key may create it`,
    );
  }
  const scopes = [...new Set(input.scopes)];
  const own = ctx.principal!.scopes;
  if (own && scopes.some((scope) => !own.includes(scope))) {
    throw forbidden('An API key cannot create a key with a scope it does not hold itself');
  }
  // The same statements serve `npm run apikey:create`, which has no request context.
  const run: Run = (sql, params) => ctx.tx.query(sql, params);
  await checkOrganisationHoldsRoles(run, input.organisationId, tenantIds);
  const { apiKey, token } = await insertApiKey(run, {
    organisationId: input.organisationId,
    name,
    tenantIds,
    scopes,
    expiresAt: input.expiresAt ?? null,
    createdBy: actorOf(ctx.principal!),
  });
  await auditKey(ctx, 'CREATE', null, apiKey);
  return { apiKey, secret: token };
}

/**
 * Revokes a key the caller administers; it stops working on the next request. Revoking a
 * revoked key returns it unchanged, so a retry is harmless.
 */
export async function revokeApiKey(ctx: RequestContext, input: RevokeApiKeyInput): Promise<ApiKey> {
  const params: unknown[] = [input.id];
  const administered = administeredKeySql(ctx, params);
  const [revoked] = await ctx.tx.query<ApiKey>(
    `UPDATE api_keys k SET revoked_at = now()
     WHERE k.id = $1 AND ${administered} AND k.revoked_at IS NULL
     RETURNING ${COLUMNS}`,
    params,
  );
  if (revoked) {
    await auditKey(ctx, 'REVOKE', { ...revoked, revokedAt: null }, revoked);
    return revoked;
  }
  const [existing] = await ctx.tx.query<ApiKey>(
    `SELECT ${COLUMNS} FROM api_keys k WHERE k.id = $1 AND ${administered}`,
    params,
  );
  if (!existing) throw notFound('API key');
  return existing;
}

/** A key works in several tenants: each tenant's audit log records what was done to it. */
async function auditKey(
  ctx: RequestContext,
  action: 'CREATE' | 'REVOKE',
  before: ApiKey | null,
  after: ApiKey,
): Promise<void> {
  const diff = auditDiff(before, after);
  await recordAudit(
    ctx,
    ...after.tenantIds.map((tenantId) => ({
      tenantId,
      action,
      entityType: 'ApiKey',
      entityId: after.id,
      ...diff,
    })),
  );
}

export type NewApiKey = Readonly<{
  organisationId: string;
  name: string;
  tenantIds: readonly string[];
  scopes: readonly Scope[];
  expiresAt: Date | null;
  createdBy: string;
}>;

/**
 * Inserts a key and returns it with its token (`dg_<prefix>_<secret>`), which exists only in
 * the return value: the table keeps the prefix and the SHA-256 of the secret. Shared by
 * createApiKey and `npm run apikey:create`; callers check rights and inputs first.
 */
export async function insertApiKey(
  run: Run,
  key: NewApiKey,
): Promise<{ apiKey: ApiKey; token: string }> {
  const generated = generateApiKey();
  const [apiKey] = await run<ApiKey>(
    `INSERT INTO api_keys AS k (organisation_id, name, prefix, secret_hash, tenant_ids, scopes, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5::uuid[], $6::text[], $7, $8)
     RETURNING ${COLUMNS}`,
    [
      key.organisationId,
      key.name,
      generated.prefix,
      generated.secretHash,
      key.tenantIds,
      key.scopes,
      key.expiresAt,
      key.createdBy,
    ],
  );
  return { apiKey: apiKey!, token: generated.token };
}

/**
 * A key acts with the roles its organisation holds in the key's tenants, so a key for an
 * organisation with no role in one of them would grant nothing there: refuse it rather than
 * hand out a key that silently does nothing. BAD_USER_INPUT on organisationId or tenantCodes.
 */
export async function checkOrganisationHoldsRoles(
  run: Run,
  organisationId: string,
  tenantIds: readonly string[],
): Promise<void> {
  const [organisation] = await run<{ name: string; idle: string[] }>(
    `SELECT o.name,
       array(SELECT t.code FROM tenants t
             WHERE t.id = ANY ($2::uuid[])
               AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = t.id
                               AND m.organisation_id = o.id AND m.revoked_at IS NULL)
             ORDER BY t.code) AS idle
     FROM organisations o WHERE o.id = $1`,
    [organisationId, tenantIds],
  );
  if (!organisation) throw badUserInput('organisationId', 'No organisation with this id');
  if (organisation.idle.length > 0) {
    throw badUserInput(
      'tenantCodes',
      `${organisation.name} holds no role in ${organisation.idle.join(', ')}: a key acts with its organisation's roles, so it would grant nothing there`,
    );
  }
}
