import { Capability } from '../../auth/access';
import { administeredTenants } from '../../auth/administered-tenants';
import { actorOf } from '../../auth/principal';
import { fetchPage, OrderDirection, type Page, type PageArgs } from '../../common/connection';
import { badUserInput, conflict, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import { auditDiff, recordAudit } from '../audit/audit.service';
import { OutcomeDimension } from '../outcome/outcome.inputs';
import { AggregationLevel } from './sharing-agreement.entity';
import type {
  CreateSharingAgreementInput,
  RevokeSharingAgreementInput,
} from './sharing-agreement.inputs';
import type { Perturbation, SharingAgreement } from './sharing-agreement.type';

/*
 * Tenant admins manage their tenants' sharing agreements (DESIGN §2). Row-level security
 * already limits the request to the caller's tenants; the SQL adds the administered tenants
 * on top (layer 2), so a partner of the same tenant sees none.
 */

const COLUMNS = `a.id, a.tenant_id AS "tenantId",
  a.recipient_organisation_id AS "recipientOrganisationId", a.indicator_ids AS "indicatorIds",
  a.allowed_group_by AS "allowedGroupBy", a.finest_level AS "finestLevel",
  a.min_cell_size AS "minCellSize",
  json_build_object('maxDeviation', a.max_deviation,
    'deviationVariance', a.deviation_variance::float8,
    'valueDeviation', a.value_deviation::float8) AS perturbation,
  a.valid_from AS "validFrom", a.expires_at AS "expiresAt",
  a.approved_by AS "approvedBy", a.approved_at AS "approvedAt", a.revoked_at AS "revokedAt",
  (a.revoked_at IS NULL AND a.valid_from <= now() AND (a.expires_at IS NULL OR a.expires_at > now()))
    AS "inForce",
  a.version, a.created_at AS "createdAt"`;

/** Perturbation of an agreement that names none (the migration's column defaults too). */
const PERTURBATION_DEFAULTS: Perturbation = {
  maxDeviation: 2,
  deviationVariance: 1,
  valueDeviation: 2,
};

/** Geographic dimensions from coarsest to finest; COMMUNITY is never shared. */
const LEVELS: readonly [OutcomeDimension, AggregationLevel][] = [
  [OutcomeDimension.TENANT, AggregationLevel.TENANT],
  [OutcomeDimension.REGION, AggregationLevel.REGION],
  [OutcomeDimension.PROJECT, AggregationLevel.PROJECT],
];

export async function listSharingAgreements(
  ctx: RequestContext,
  args: PageArgs,
): Promise<Page<SharingAgreement>> {
  const params: unknown[] = [];
  return fetchPage<SharingAgreement>(ctx, {
    select: COLUMNS,
    from: 'sharing_agreements a',
    where: [ctx.access.tenantScopeSql(Capability.ADMIN, 'a.tenant_id', params)],
    params,
    sort: { column: 'a.created_at', cast: 'timestamptz', value: (row) => row.createdAt },
    idColumn: 'a.id',
    direction: OrderDirection.ASC,
    first: args.first,
    after: args.after,
  });
}

export async function createSharingAgreement(
  ctx: RequestContext,
  input: CreateSharingAgreementInput,
): Promise<SharingAgreement> {
  const { ids, refused } = administeredTenants(ctx.access, [input.tenant]);
  if (refused.length > 0 || ids.length !== 1) {
    throw forbidden(`You do not administer ${input.tenant}`);
  }
  const tenantId = ids[0]!;
  const allowed = [...new Set(input.allowedGroupBy)];
  if (allowed.includes(OutcomeDimension.COMMUNITY)) {
    throw badUserInput('allowedGroupBy', 'Aggregates are never shared by community');
  }
  const finest = [...LEVELS].reverse().find(([dimension]) => allowed.includes(dimension));
  const validFrom = input.validFrom ?? null;
  if (
    input.expiresAt &&
    input.expiresAt.getTime() <= Math.max(validFrom?.getTime() ?? 0, Date.now())
  ) {
    throw badUserInput('expiresAt', 'expiresAt must be in the future and after validFrom');
  }

  const [tenant] = await ctx.tx.query<{ minCellSize: number }>(
    `SELECT min_cell_size AS "minCellSize" FROM tenants WHERE id = $1`,
    [tenantId],
  );
  const minCellSize = input.minCellSize ?? tenant!.minCellSize;
  if (minCellSize < tenant!.minCellSize) {
    throw badUserInput(
      'minCellSize',
      `minCellSize must be at least the tenant's default of ${tenant!.minCellSize}`,
    );
  }
  const given = input.perturbation ?? {};
  const perturbation: Perturbation = {
    maxDeviation: given.maxDeviation ?? PERTURBATION_DEFAULTS.maxDeviation,
    deviationVariance: given.deviationVariance ?? PERTURBATION_DEFAULTS.deviationVariance,
    valueDeviation: given.valueDeviation ?? PERTURBATION_DEFAULTS.valueDeviation,
  };
  const { maxDeviation: d, deviationVariance: v } = perturbation;
  if (v > ((d + 1) * (2 * d + 1)) / 6) {
    throw badUserInput(
      'perturbation.deviationVariance',
      `With a maximum deviation of ${d}, the variance can be at most ${((d + 1) * (2 * d + 1)) / 6}`,
    );
  }
  const codes = [...new Set(input.indicatorCodes.map((code) => code.trim()))];
  const indicators = await ctx.tx.query<{ id: string; code: string }>(
    `SELECT id, code FROM indicators
      WHERE code = ANY ($1::text[]) AND (tenant_id IS NULL OR tenant_id = $2)`,
    [codes, tenantId],
  );
  const unknown = codes.filter((code) => !indicators.some((i) => i.code === code));
  if (unknown.length > 0) {
    throw badUserInput('indicatorCodes', `Unknown indicators: ${unknown.join(', ')}`);
  }
  const [organisation] = await ctx.tx.query<{ id: string }>(
    `SELECT id FROM organisations WHERE id = $1`,
    [input.recipientOrganisationId],
  );
  if (!organisation) throw badUserInput('recipientOrganisationId', 'No such organisation');

  const [created] = await ctx.tx.query<SharingAgreement>(
    `WITH a AS (
       INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
         allowed_group_by, finest_level, min_cell_size, valid_from, expires_at, approved_by,
         max_deviation, deviation_variance, value_deviation)
       -- Omitted: from the start of this transaction, so it is in force when it returns.
       VALUES ($1, $2, $3::uuid[], $4::text[], $5, $6, coalesce($7, now()), $8, $9, $10, $11, $12)
       RETURNING *)
     SELECT ${COLUMNS} FROM a`,
    [
      tenantId,
      organisation.id,
      indicators.map((i) => i.id),
      allowed,
      finest?.[1] ?? AggregationLevel.TENANT,
      minCellSize,
      validFrom,
      input.expiresAt ?? null,
      actorOf(ctx.principal!),
      perturbation.maxDeviation,
      perturbation.deviationVariance,
      perturbation.valueDeviation,
    ],
  );
  await audit(ctx, 'CREATE', created!, null);
  return created!;
}

export async function revokeSharingAgreement(
  ctx: RequestContext,
  input: RevokeSharingAgreementInput,
): Promise<SharingAgreement> {
  const params: unknown[] = [input.id];
  const administered = ctx.access.tenantScopeSql(Capability.ADMIN, 'a.tenant_id', params);
  const [before] = await ctx.tx.query<SharingAgreement>(
    `SELECT ${COLUMNS} FROM sharing_agreements a WHERE a.id = $1 AND ${administered}`,
    params,
  );
  if (!before) throw notFound('Sharing agreement');
  if (before.revokedAt) throw conflict('The sharing agreement is already revoked');
  const [after] = await ctx.tx.query<SharingAgreement>(
    `WITH a AS (
       UPDATE sharing_agreements SET revoked_at = now(), updated_at = now(), version = version + 1
        WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL
       RETURNING *)
     SELECT ${COLUMNS} FROM a`,
    [before.tenantId, before.id],
  );
  if (!after) throw conflict('The sharing agreement changed meanwhile; try again');
  await audit(ctx, 'REVOKE', after, before);
  return after;
}

/** Appends to the agreement's tenant's audit log, in the request's transaction. */
async function audit(
  ctx: RequestContext,
  action: 'CREATE' | 'REVOKE',
  after: SharingAgreement,
  before: SharingAgreement | null,
): Promise<void> {
  await recordAudit(ctx, {
    tenantId: after.tenantId,
    action,
    entityType: 'SharingAgreement',
    entityId: after.id,
    ...auditDiff(before, after),
  });
}
