import { Capability } from '../../auth/access';
import { administeredTenants } from '../../auth/administered-tenants';
import { actorOf, Role } from '../../auth/principal';
import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { badUserInput, conflict, forbidden, notFound } from '../../common/errors';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { auditDiff, recordAudit } from '../audit/audit.service';
import type {
  CreateMembershipInput,
  MembershipsArgs,
  RevokeMembershipInput,
} from './membership.inputs';
import type { TenantMembership } from './membership.type';

/*
 * Memberships are a tenant table under row-level security: the request runs as dg_app with
 * its readable tenants in app.tenant_ids, which include every tenant it administers, so the
 * writes below pass the policy's WITH CHECK. The SQL narrows every statement further to the
 * tenants the caller administers (ctx.access.adminTenantIds): an admin of TJ who is also a
 * viewer in KG reads KG rows under RLS, but must not manage them.
 */

const COLUMNS = `m.id, m.tenant_id AS "tenantId", m.user_id AS "userId",
  m.invited_email AS "invitedEmail", m.organisation_id AS "organisationId", m.role,
  m.created_at AS "createdAt", m.revoked_at AS "revokedAt"`;

/** Memberships in the tenants the caller administers, oldest first. */
export async function listMemberships(
  ctx: RequestContext,
  args: MembershipsArgs,
): Promise<Page<TenantMembership>> {
  const params: unknown[] = [];
  const where = [ctx.access.tenantScopeSql(Capability.ADMIN, 'm.tenant_id', params)];
  const filter = args.filter;
  if (filter?.tenantCodes) {
    where.push(ctx.access.tenantCodesSql('m.tenant_id', filter.tenantCodes, params));
  }
  if (filter?.userId) where.push(`m.user_id = ${param(params, filter.userId)}`);
  if (!filter?.includeRevoked) where.push('m.revoked_at IS NULL');
  return fetchPage<TenantMembership>(ctx, {
    select: COLUMNS,
    from: 'memberships m',
    where,
    params,
    sort: { column: 'm.created_at', cast: 'timestamptz', value: (row) => row.createdAt },
    idColumn: 'm.id',
    direction: OrderDirection.ASC,
    first: args.first,
    after: args.after,
  });
}

/**
 * Gives a user a role in a tenant the caller administers. A tenant code it does not
 * administer is FORBIDDEN whether or not the tenant exists (codes are public, so this hides
 * nothing); a duplicate of a membership in force is a CONFLICT.
 *
 * By e-mail address the grant is an invitation bound to the address, whether or not an account
 * has it: the answer is the same for every address (the invitation, with no user), so an
 * administrator cannot learn which addresses have accounts. It takes effect when a user with
 * that address signs in (the request preamble binds it; see
 * migrations/1796156237055-row-security-everywhere.ts). By id, the user must be one the caller
 * can see — one with a membership in a tenant it administers (row-level security on users) —
 * and any other id is "no user", like one that does not exist.
 */
export async function createMembership(
  ctx: RequestContext,
  input: CreateMembershipInput,
): Promise<TenantMembership> {
  if (input.role === Role.PLATFORM_ADMIN) {
    throw badUserInput(
      'role',
      'PLATFORM_ADMIN is set on the user by the operators; it cannot be given as a membership',
    );
  }
  const userEmail = input.userEmail?.trim() || null;
  const userId = input.userId ?? null;
  if ((userId === null) === (userEmail === null)) {
    throw badUserInput('userId', 'Give either userId or userEmail, not both');
  }
  const {
    ids: [tenantId],
    refused,
  } = administeredTenants(ctx.access, [input.tenantCode]);
  if (!tenantId || refused.length > 0) {
    throw forbidden(`You do not administer the tenant ${input.tenantCode.trim().toUpperCase()}`);
  }

  const [refs] = await ctx.tx.query<{ userVisible: boolean; organisationExists: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = $1::uuid) AS "userVisible",
            EXISTS (SELECT 1 FROM organisations o WHERE o.id = $2) AS "organisationExists"`,
    [userId, input.organisationId],
  );
  if (userId && !refs?.userVisible) throw badUserInput('userId', 'No user with this id');
  if (!refs?.organisationExists)
    throw badUserInput('organisationId', 'No organisation with this id');

  // The partial unique indexes allow one membership in force per (tenant, user, organisation,
  // role) and one pending invitation per address; ON CONFLICT turns a duplicate, even a
  // concurrent one, into an empty result.
  const [row] = await ctx.tx.query<TenantMembership>(
    userId
      ? `INSERT INTO memberships AS m (tenant_id, user_id, organisation_id, role, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, user_id, organisation_id, role) WHERE revoked_at IS NULL DO NOTHING
         RETURNING ${COLUMNS}`
      : `INSERT INTO memberships AS m (tenant_id, invited_email, organisation_id, role, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id, lower(invited_email), organisation_id, role)
           WHERE user_id IS NULL AND revoked_at IS NULL DO NOTHING
         RETURNING ${COLUMNS}`,
    [tenantId, userId ?? userEmail, input.organisationId, input.role, actorOf(ctx.principal!)],
  );
  if (!row) {
    throw conflict(
      userId
        ? 'The user already holds this role in this tenant for this organisation'
        : 'This address is already invited to this role in this tenant for this organisation',
    );
  }
  await recordAudit(ctx, {
    tenantId,
    action: 'CREATE',
    entityType: 'TenantMembership',
    entityId: row.id,
    ...auditDiff(null, row),
  });
  return row;
}

/**
 * Revokes a membership in a tenant the caller administers; it stops working on the next
 * request. An id outside those tenants is NOT_FOUND, exactly like an id that does not exist,
 * so an admin cannot probe other tenants' memberships. Revoking a revoked membership returns
 * it unchanged (and audits nothing), so a retry is harmless.
 */
export async function revokeMembership(
  ctx: RequestContext,
  input: RevokeMembershipInput,
): Promise<TenantMembership> {
  const params: unknown[] = [input.id];
  const administered = ctx.access.tenantScopeSql(Capability.ADMIN, 'm.tenant_id', params);
  const [revoked] = await ctx.tx.query<TenantMembership>(
    `UPDATE memberships m SET revoked_at = now()
     WHERE m.id = $1 AND ${administered} AND m.revoked_at IS NULL
     RETURNING ${COLUMNS}`,
    params,
  );
  if (revoked) {
    await recordAudit(ctx, {
      tenantId: revoked.tenantId,
      action: 'REVOKE',
      entityType: 'TenantMembership',
      entityId: revoked.id,
      ...auditDiff({ ...revoked, revokedAt: null }, revoked),
    });
    return revoked;
  }
  const [existing] = await ctx.tx.query<TenantMembership>(
    `SELECT ${COLUMNS} FROM memberships m WHERE m.id = $1 AND ${administered}`,
    params,
  );
  if (!existing) throw notFound('Membership');
  return existing;
}
