import { type Grant, PrincipalKind, Role, Scope } from '../../auth/principal';
import { badUserInput, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import type { Settlement } from '../community/community.entity';
import { IndicatorDirection, type IndicatorUnit } from '../indicator/indicator.entity';
import type { Sex } from '../measurement/measurement.entity';
import { aggregateReadAuditSql } from './outcome.audit';
import { OutcomeDimension, type OutcomeSummariesArgs } from './outcome.inputs';
import { suppress } from './outcome.suppression';
import type { OutcomeSummary } from './outcome.type';

/*
 * Outcome summaries (DESIGN §3 layer 4, §4). Two kinds of caller reach the same SQL function,
 * outcome_cells (migrations/1795755933619-outcome-aggregates.ts), which aggregates in the
 * database and returns cells, never rows:
 *
 * - Readers of rows (admins, partners, row-scoped keys) summarise what they may read anyway:
 *   their tenants, partners only their projects. Nothing is suppressed unless they ask for a
 *   preview, which with an agreement shows exactly what that agreement would share.
 * - Aggregate analysts and `aggregate`-only keys read tenants whose rows RLS hides from them,
 *   only under a sharing agreement in force for their organisation, read from the database on
 *   every request (so revocation and expiry apply at once), and only for its indicators and
 *   groupings; small cells are always suppressed, and every read is audited. The SQL function
 *   checks the agreement again, so a bug here cannot widen what leaves the database.
 *
 * Filters that select arbitrary subsets (projects, communities, settlement, dates) are refused
 * to analysts: the difference between two allowed totals over overlapping subsets would give
 * away a cell that suppression hides. Groupings give the same breakdowns safely.
 */

const GEOGRAPHIC_FILTERS = ['projectIds', 'communityIds', 'settlement', 'from', 'to'] as const;

/** One (tenant, indicator) pair to read, with the minimum cell size and agreement it falls under. */
type Pair = {
  tenantId: string;
  indicatorId: string;
  code: string;
  k: number;
  agreementId: string | null;
};

type Agreement = {
  tenantId: string;
  id: string;
  recipientOrganisationId: string;
  indicatorIds: string[];
  indicatorCodes: string[];
  allowedGroupBy: string[];
  minCellSize: number;
};

type Plan = {
  pairs: Pair[];
  /** Whether agreements govern the request: restrictions, suppression and audit apply. */
  governed: boolean;
  suppressed: boolean;
  /** Audit the read (analysts and keys; not an admin's preview). */
  audited: boolean;
  recipientOrganisationId: string | null;
};

type CellRow = {
  tenant_id: string | null;
  region: string | null;
  project_id: string | null;
  project_code: string | null;
  project_name: string | null;
  community_id: string | null;
  settlement: Settlement | null;
  sex: Sex | null;
  year: number | null;
  indicator_id: string;
  indicator_tenant_id: string | null;
  indicator_code: string;
  indicator_name: string;
  indicator_description: string | null;
  indicator_unit: IndicatorUnit;
  indicator_direction: IndicatorDirection;
  indicator_version: number;
  // Numbers, not PostgreSQL's numeric and bigint text: the cells arrive as JSON.
  baseline: number | null;
  latest: number | null;
  baseline_n: number;
  latest_n: number;
  baseline_communities: number;
  latest_communities: number;
};

export async function outcomeSummaries(
  ctx: RequestContext,
  args: OutcomeSummariesArgs,
): Promise<OutcomeSummary[]> {
  const dimensions = [...new Set(args.groupBy)].filter((d) => d !== OutcomeDimension.INDICATOR);
  const filter = args.filter ?? {};
  const plan = await planRequest(ctx, args, dimensions);
  if (plan.pairs.length === 0) return [];
  if (plan.governed) checkAnalystRequest(filter, dimensions);

  const { scopedTenants, scopedProjects } = await partnerScope(ctx);
  const params: unknown[] = [
    plan.recipientOrganisationId,
    plan.pairs.map((p) => p.tenantId),
    plan.pairs.map((p) => p.indicatorId),
    scopedTenants,
    scopedProjects,
    filter.projectIds ?? null,
    filter.communityIds ?? null,
    filter.settlement ?? null,
    filter.from ?? null,
    filter.to ?? null,
    [OutcomeDimension.INDICATOR, ...dimensions],
  ];
  const audit = plan.audited
    ? aggregateReadAuditSql(ctx, plan.pairs, filter, dimensions, params)
    : null;
  // One statement reads the cells and, for an audited read, records it: a single-row SELECT
  // evaluates every expression of its list, so the record is written even when no cell is.
  const [{ cells: rows }] = (await ctx.tx.query<{ cells: CellRow[] }>(
    `SELECT ${audit ?? 'NULL'} AS audited,
       (SELECT coalesce(json_agg(c ORDER BY indicator_code, tenant_id, region, project_code,
                                   community_id, settlement, sex, year), '[]')
          FROM outcome_cells($1, $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::uuid[],
                             $7::uuid[], $8, $9::date, $10::date, $11::text[]) c) AS cells`,
    params,
  )) as [{ cells: CellRow[] }];

  const summaries = rows.map(toSummary);
  if (plan.suppressed) {
    const reasons = suppress(
      rows.map((row, i) => ({
        keys: Object.fromEntries(dimensions.map((d) => [d, keyOf(row, d)])),
        indicatorId: row.indicator_id,
        respondents: summaries[i]!.sampleSize ?? 0,
        communities: summaries[i]!.communities ?? 0,
        k: cellSizeOf(plan.pairs, row),
      })),
      dimensions,
    );
    for (const [index, reason] of reasons) withhold(summaries[index]!, reason);
  }
  return summaries;
}

/** Which (tenant, indicator) pairs the caller reads, and under which rules. */
async function planRequest(
  ctx: RequestContext,
  args: OutcomeSummariesArgs,
  dimensions: readonly OutcomeDimension[],
): Promise<Plan> {
  const access = ctx.access;
  const grants = access.principal?.grants ?? [];
  const requested = args.filter?.tenants ? tenantIdsOf(grants, args.filter.tenants) : null;
  const codes = args.filter?.indicatorCodes ?? null;

  if (args.preview && args.agreementId) {
    const agreement = await administeredAgreement(ctx, args.agreementId);
    if (requested && requested.some((id) => id !== agreement.tenantId)) {
      throw badUserInput('filter.tenants', 'A preview covers the tenant of its agreement only');
    }
    return {
      pairs: pairsUnder([agreement], [agreement.tenantId], codes, dimensions, true),
      governed: true,
      suppressed: true,
      audited: false,
      recipientOrganisationId: agreement.recipientOrganisationId,
    };
  }

  const readable = new Set(access.readableTenantIds);
  const viaAgreement = agreementGrants(ctx).filter((g) => !readable.has(g.tenantId));
  const rowTenants = [...readable].filter((id) => !requested || requested.includes(id));
  const agreementTenants = [...new Set(viaAgreement.map((g) => g.tenantId))].filter(
    (id) => !requested || requested.includes(id),
  );
  const unreachable = (requested ?? []).filter(
    (id) => !rowTenants.includes(id) && !agreementTenants.includes(id),
  );
  if (unreachable.length > 0) throw forbidden('You may not read aggregates of these tenants');

  const pairs = rowTenants.length > 0 ? await rowPairs(ctx, rowTenants, codes) : [];
  if (agreementTenants.length === 0) {
    if (args.agreementId) {
      throw badUserInput(
        'agreementId',
        'agreementId applies to previews (preview: true) and to aggregate analysts',
      );
    }
    return {
      pairs,
      governed: false,
      suppressed: args.preview,
      audited: false,
      recipientOrganisationId: null,
    };
  }

  const organisations = [...new Set(viaAgreement.map((g) => g.organisationId))];
  const inForce = (await agreementsInForce(ctx, organisations)).filter(
    (a) =>
      agreementTenants.includes(a.tenantId) &&
      viaAgreement.some(
        (g) => g.tenantId === a.tenantId && g.organisationId === a.recipientOrganisationId,
      ) &&
      (!args.agreementId || a.id === args.agreementId),
  );
  if (args.agreementId && inForce.length === 0) {
    throw forbidden('That sharing agreement is not in force for your organisation');
  }
  const explicit = requested !== null;
  const tenants = explicit
    ? agreementTenants
    : agreementTenants.filter((id) => inForce.some((a) => a.tenantId === id));
  const shared = pairsUnder(inForce, tenants, codes, dimensions, explicit);
  if (shared.length === 0) {
    if (pairs.length > 0 && !explicit && !args.agreementId) {
      // Nothing is shared with this caller here; what it reads row by row is its own.
      return {
        pairs,
        governed: false,
        suppressed: args.preview,
        audited: false,
        recipientOrganisationId: null,
      };
    }
    throw forbidden(
      'No sharing agreement in force for your organisation covers these indicators and groupings',
    );
  }
  const missing = (codes ?? []).filter(
    (code) => !shared.some((p) => p.code === code) && !pairs.some((p) => p.code === code),
  );
  if (missing.length > 0) {
    throw forbidden(`No sharing agreement in force shares ${missing.join(', ')}`);
  }
  const recipients = [
    ...new Set(
      inForce
        .filter((a) => shared.some((p) => p.agreementId === a.id))
        .map((a) => a.recipientOrganisationId),
    ),
  ];
  if (recipients.length > 1) {
    // One principal acting for several organisations: ask for one at a time.
    throw badUserInput(
      'agreementId',
      'You hold agreements for more than one organisation: choose one with agreementId',
    );
  }
  return {
    pairs: [...pairs, ...shared],
    governed: true,
    suppressed: true,
    audited: true,
    recipientOrganisationId: recipients[0] ?? null,
  };
}

/**
 * The pairs agreements allow in these tenants: for each tenant and indicator, the covering
 * agreement (its indicators and groupings include the request's) with the largest minimum
 * cell size. `strict`: a tenant or a wanted indicator left uncovered is FORBIDDEN; otherwise
 * it is left out.
 */
function pairsUnder(
  agreements: readonly Agreement[],
  tenants: readonly string[],
  codes: readonly string[] | null,
  dimensions: readonly OutcomeDimension[],
  strict: boolean,
): Pair[] {
  const pairs: Pair[] = [];
  for (const tenantId of tenants) {
    const ofTenant = agreements.filter((a) => a.tenantId === tenantId);
    if (ofTenant.length === 0 && strict) {
      throw forbidden('No sharing agreement in force for your organisation covers this tenant');
    }
    const covering = ofTenant.filter((a) => dimensions.every((d) => a.allowedGroupBy.includes(d)));
    if (covering.length === 0 && ofTenant.length > 0 && strict) {
      throw forbidden(`The sharing agreement does not allow grouping by ${dimensions.join(', ')}`);
    }
    const wanted =
      codes ??
      [...new Set(covering.flatMap((a) => a.indicatorCodes))].sort((a, b) => (a < b ? -1 : 1));
    for (const code of wanted) {
      const best = covering
        .filter((a) => a.indicatorCodes.includes(code))
        .sort((a, b) => b.minCellSize - a.minCellSize || (a.id < b.id ? -1 : 1))[0];
      if (!best) {
        if (strict) throw forbidden(`No sharing agreement in force shares ${code} here`);
        continue;
      }
      pairs.push({
        tenantId,
        code,
        indicatorId: best.indicatorIds[best.indicatorCodes.indexOf(code)]!,
        k: best.minCellSize,
        agreementId: best.id,
      });
    }
  }
  return pairs;
}

/** Refuses what agreements never share: community detail and filters that isolate subsets. */
function checkAnalystRequest(
  filter: NonNullable<OutcomeSummariesArgs['filter']>,
  dimensions: readonly OutcomeDimension[],
): void {
  if (dimensions.includes(OutcomeDimension.COMMUNITY)) {
    throw forbidden('Aggregates shared under an agreement are never broken down by community');
  }
  for (const name of GEOGRAPHIC_FILTERS) {
    const value = filter[name];
    if (value !== null && value !== undefined) {
      throw forbidden(
        `The filter ${name} is not available under a sharing agreement: group by a dimension instead`,
      );
    }
  }
}

/** Grants through which the principal reads aggregates only: analysts, `aggregate` keys. */
function agreementGrants(ctx: RequestContext): Grant[] {
  const principal = ctx.access.principal;
  if (!principal) return [];
  if (principal.kind === PrincipalKind.API_KEY) {
    return principal.scopes?.includes(Scope.AGGREGATE) ? [...principal.grants] : [];
  }
  return principal.grants.filter((g) => g.role === Role.AGGREGATE_ANALYST);
}

/** Tenant ids for codes among the principal's grants; a code outside them is FORBIDDEN. */
function tenantIdsOf(grants: readonly Grant[], codes: readonly string[]): string[] {
  const byCode = new Map(grants.map((g) => [g.tenantCode, g.tenantId]));
  const ids = codes.map((code) => byCode.get(code.trim().toUpperCase()));
  if (ids.some((id) => id === undefined)) {
    throw forbidden('You may not read aggregates of these tenants');
  }
  return [...new Set(ids as string[])];
}

/** Every visible indicator (global, or the tenant's own) in each tenant, with its default k. */
async function rowPairs(
  ctx: RequestContext,
  tenantIds: readonly string[],
  codes: readonly string[] | null,
): Promise<Pair[]> {
  const rows = await ctx.tx.query<{
    tenantId: string;
    indicatorId: string;
    code: string;
    k: number;
  }>(
    `SELECT t.id AS "tenantId", i.id AS "indicatorId", i.code, t.min_cell_size AS k
       FROM tenants t JOIN indicators i ON i.tenant_id IS NULL OR i.tenant_id = t.id
      WHERE t.id = ANY ($1::uuid[]) AND ($2::text[] IS NULL OR i.code = ANY ($2::text[]))`,
    [tenantIds, codes],
  );
  return rows.map((row) => ({ ...row, agreementId: null }));
}

async function agreementsInForce(
  ctx: RequestContext,
  organisationIds: readonly string[],
): Promise<Agreement[]> {
  return ctx.tx.query<Agreement>(
    `SELECT tenant_id AS "tenantId", id, recipient_organisation_id AS "recipientOrganisationId",
            indicator_ids AS "indicatorIds", indicator_codes AS "indicatorCodes",
            allowed_group_by AS "allowedGroupBy", min_cell_size AS "minCellSize"
       FROM sharing_agreements_in_force($1::uuid[])`,
    [organisationIds],
  );
}

/** An agreement of a tenant the caller administers, for a preview; NOT_FOUND otherwise. */
async function administeredAgreement(ctx: RequestContext, id: string): Promise<Agreement> {
  const [row] = await ctx.tx.query<Agreement>(
    `SELECT a.tenant_id AS "tenantId", a.id, a.recipient_organisation_id AS "recipientOrganisationId",
            ARRAY(SELECT i.id FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code)
              AS "indicatorIds",
            ARRAY(SELECT i.code FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code)
              AS "indicatorCodes",
            a.allowed_group_by AS "allowedGroupBy",
            greatest(a.min_cell_size, t.min_cell_size) AS "minCellSize"
       FROM sharing_agreements a JOIN tenants t ON t.id = a.tenant_id
      WHERE a.id = $1 AND a.tenant_id = ANY ($2::uuid[])`,
    [id, ctx.access.adminTenantIds],
  );
  if (!row) throw notFound('Sharing agreement');
  return row;
}

/** Layer 2 for partners: in their tenants, only the projects they implement or partner in. */
async function partnerScope(
  ctx: RequestContext,
): Promise<{ scopedTenants: string[] | null; scopedProjects: string[] | null }> {
  const tenants = [...new Set(ctx.access.partnerTenantIds)];
  if (tenants.length === 0) return { scopedTenants: null, scopedProjects: null };
  const params: unknown[] = [tenants];
  const visible = ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params);
  const rows = await ctx.tx.query<{ id: string }>(
    `SELECT p.id FROM projects p WHERE p.tenant_id = ANY ($1::uuid[]) AND ${visible}`,
    params,
  );
  return { scopedTenants: tenants, scopedProjects: rows.map((row) => row.id) };
}

/** The largest minimum cell size among the pairs a cell may draw on. */
function cellSizeOf(pairs: readonly Pair[], row: CellRow): number {
  return Math.max(
    ...pairs
      .filter(
        (p) =>
          p.indicatorId === row.indicator_id && (!row.tenant_id || p.tenantId === row.tenant_id),
      )
      .map((p) => p.k),
  );
}

function keyOf(row: CellRow, dimension: OutcomeDimension): string | null {
  switch (dimension) {
    case OutcomeDimension.TENANT:
      return row.tenant_id;
    case OutcomeDimension.REGION:
      return row.region;
    case OutcomeDimension.PROJECT:
      return row.project_id;
    case OutcomeDimension.COMMUNITY:
      return row.community_id;
    case OutcomeDimension.SETTLEMENT:
      return row.settlement;
    case OutcomeDimension.SEX:
      return row.sex;
    case OutcomeDimension.YEAR:
      return row.year === null ? null : String(row.year);
    default:
      return null;
  }
}

function toSummary(row: CellRow): OutcomeSummary {
  const { baseline, latest } = row;
  const both = baseline !== null && latest !== null;
  const ratio = both && baseline !== 0 ? latest / baseline : null;
  const sides = [
    baseline === null ? null : [row.baseline_n, row.baseline_communities],
    latest === null ? null : [row.latest_n, row.latest_communities],
  ].filter((side): side is number[] => side !== null);
  return {
    tenantId: row.tenant_id,
    communityId: row.community_id,
    indicator: {
      id: row.indicator_id,
      tenantId: row.indicator_tenant_id,
      code: row.indicator_code,
      name: row.indicator_name,
      description: row.indicator_description,
      unit: row.indicator_unit,
      direction: row.indicator_direction,
      version: row.indicator_version,
    },
    region: row.region,
    project:
      row.project_id && row.project_code && row.project_name
        ? { id: row.project_id, code: row.project_code, name: row.project_name }
        : null,
    settlement: row.settlement,
    sex: row.sex,
    year: row.year,
    baseline,
    latest,
    absoluteChange: both ? latest - baseline : null,
    relativeChange: ratio === null ? null : ratio - 1,
    foldChange: ratio,
    improved:
      both && latest !== baseline
        ? row.indicator_direction === IndicatorDirection.DECREASE_IS_BETTER
          ? latest < baseline
          : latest > baseline
        : both
          ? false
          : null,
    sampleSize: sides.length > 0 ? Math.min(...sides.map((s) => s[0]!)) : 0,
    communities: sides.length > 0 ? Math.min(...sides.map((s) => s[1]!)) : 0,
    suppressed: false,
    suppressionReason: null,
  };
}

function withhold(summary: OutcomeSummary, reason: OutcomeSummary['suppressionReason']): void {
  Object.assign(summary, {
    baseline: null,
    latest: null,
    absoluteChange: null,
    relativeChange: null,
    foldChange: null,
    improved: null,
    sampleSize: null,
    communities: null,
    suppressed: true,
    suppressionReason: reason,
  });
}
