import { type Grant, PrincipalKind, Role, Scope } from '../../auth/principal';
import { badUserInput, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import type { Settlement } from '../community/community.entity';
import { IndicatorDirection, type IndicatorUnit } from '../indicator/indicator.entity';
import type { Sex } from '../measurement/measurement.entity';
import { OutcomeDimension, type OutcomeSummariesArgs } from './outcome.inputs';
import { MIN_COMMUNITIES, type OutcomeSummary } from './outcome.type';

/*
 * Outcome summaries (DESIGN §3 layer 4, §4). Every caller reaches the same SQL function,
 * outcome_cells (migrations/1796156655380-disclosure-control.ts), which aggregates in the
 * database and returns cells, never rows:
 *
 * - Readers of rows (admins, partners, row-scoped keys) summarise what they may read anyway,
 *   exactly: their tenants, partners only their projects.
 * - Aggregate analysts and `aggregate`-only keys read tenants whose rows RLS hides from them,
 *   only under a sharing agreement in force for their organisation, and only for its
 *   indicators and groupings. Such a read is governed: the database suppresses small cells,
 *   perturbs the rest by the cell-key method and audits the read itself, taking the principal
 *   and its grants from the request's settings (docs/disclosure-control.md). When one tenant
 *   of a request is governed, all are: a principal's exact rights in one tenant never mix with
 *   another's governed cells. A preview is governed the same way, without the audit.
 *
 * This service chooses the (tenant, indicator) pairs and refuses, with a clear message, what
 * the database would refuse anyway; the database decides again on its own.
 *
 * Filters that select arbitrary subsets (projects, communities, settlement, dates) are refused
 * in governed reads: a difference of two totals over overlapping subsets of the analyst's
 * choosing narrows a cell. Groupings give the same breakdowns safely.
 */

const GEOGRAPHIC_FILTERS = ['projectIds', 'communityIds', 'settlement', 'from', 'to'] as const;

/** One (tenant, indicator) pair to read. */
type Pair = { tenantId: string; indicatorId: string; code: string };

type Agreement = {
  tenantId: string;
  id: string;
  recipientOrganisationId: string;
  indicatorIds: string[];
  indicatorCodes: string[];
  allowedGroupBy: string[];
};

type Plan = {
  pairs: Pair[];
  /** Agreements (or a preview) govern the request: suppressed, perturbed, restricted. */
  governed: boolean;
  /** A reader of rows previewing: governed, not audited. */
  preview: boolean;
  /** The agreement the caller chose (analysts) or previews (admins). */
  agreementId: string | null;
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
  baseline_n: number | null;
  latest_n: number | null;
  baseline_communities: number | null;
  latest_communities: number | null;
  suppressed: boolean;
  /** The rules the cell was protected by; null for an exact cell. */
  min_cell_size: number | null;
  max_deviation: number | null;
  deviation_variance: number | null;
  value_deviation: number | null;
};

export async function outcomeSummaries(
  ctx: RequestContext,
  args: OutcomeSummariesArgs,
): Promise<OutcomeSummary[]> {
  const dimensions = [...new Set(args.groupBy)].filter((d) => d !== OutcomeDimension.INDICATOR);
  const filter = args.filter ?? {};
  const plan = await planRequest(ctx, args, dimensions);
  if (plan.pairs.length === 0) return [];
  if (plan.governed) checkGovernedRequest(filter, dimensions);

  const { scopedTenants, scopedProjects } = await partnerScope(ctx);
  // One statement reads the cells and, for a governed read, records it in the audit log: the
  // answer leaves only once the request's transaction, record included, has committed.
  const [{ cells: rows }] = (await ctx.tx.query<{ cells: CellRow[] }>(
    `SELECT coalesce(json_agg(c ORDER BY indicator_code, tenant_id, region, project_code,
                              community_id, settlement, sex, year), '[]') AS cells
       FROM outcome_cells($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[],
                          $6::uuid[], $7, $8::date, $9::date, $10::text[], $11, $12) c`,
    [
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
      plan.governed && plan.preview,
      plan.governed ? plan.agreementId : null,
    ],
  )) as [{ cells: CellRow[] }];
  return rows.map(toSummary);
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
      preview: true,
      agreementId: agreement.id,
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

  const rowRead = async (): Promise<Plan> => ({
    pairs: rowTenants.length > 0 ? await rowPairs(ctx, rowTenants, codes) : [],
    governed: args.preview,
    preview: args.preview,
    agreementId: null,
  });
  if (agreementTenants.length === 0) {
    if (args.agreementId) {
      throw badUserInput(
        'agreementId',
        'agreementId applies to previews (preview: true) and to aggregate analysts',
      );
    }
    return rowRead();
  }

  const inForce = (await agreementsInForce(ctx)).filter(
    (a) => !args.agreementId || a.id === args.agreementId,
  );
  if (args.agreementId && inForce.length === 0) {
    throw forbidden('That sharing agreement is not in force for your organisation');
  }
  const explicit = requested !== null;
  if (!explicit && rowTenants.length > 0) {
    if (!inForce.some((a) => agreementTenants.includes(a.tenantId)) && !args.agreementId) {
      // Nothing is shared with this caller elsewhere; what it reads row by row is its own.
      return rowRead();
    }
    throw badUserInput(
      'filter.tenants',
      'You read some tenants row by row and others only under a sharing agreement: name the tenants, and ask for the two kinds apart',
    );
  }
  // Governed: every tenant of the request, a tenant read row by row included, is read under
  // an agreement, or the request is refused.
  const rowOnly = rowTenants.filter((id) => !inForce.some((a) => a.tenantId === id));
  if (rowOnly.length > 0) {
    throw forbidden(
      `You read ${codesOf(grants, rowOnly).join(', ')} row by row, but no sharing agreement shares it with you: a summary never mixes exact and protected data, so ask for it apart from the tenants shared with you`,
    );
  }
  const tenants = explicit
    ? [...rowTenants, ...agreementTenants]
    : agreementTenants.filter((id) => inForce.some((a) => a.tenantId === id));
  const shared = pairsUnder(inForce, tenants, codes, dimensions, explicit);
  if (shared.length === 0) {
    throw forbidden(
      'No sharing agreement in force for your organisation covers these indicators and groupings',
    );
  }
  const missing = (codes ?? []).filter((code) => !shared.some((p) => p.code === code));
  if (missing.length > 0) {
    throw forbidden(`No sharing agreement in force shares ${missing.join(', ')}`);
  }
  const recipients = new Set(
    inForce
      .filter((a) =>
        shared.some((p) => p.tenantId === a.tenantId && a.indicatorIds.includes(p.indicatorId)),
      )
      .map((a) => a.recipientOrganisationId),
  );
  if (recipients.size > 1 && !args.agreementId) {
    // One principal acting for several organisations: ask for one at a time.
    throw badUserInput(
      'agreementId',
      'You hold agreements for more than one organisation: choose one with agreementId',
    );
  }
  return { pairs: shared, governed: true, preview: false, agreementId: args.agreementId ?? null };
}

/**
 * The pairs agreements allow in these tenants: each indicator that an agreement covering the
 * request's groupings shares there (the database picks, among them, the strictest). `strict`:
 * a tenant or a wanted indicator left uncovered is FORBIDDEN; otherwise it is left out.
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
      const agreement = covering.find((a) => a.indicatorCodes.includes(code));
      if (!agreement) {
        if (strict) throw forbidden(`No sharing agreement in force shares ${code} here`);
        continue;
      }
      pairs.push({
        tenantId,
        code,
        indicatorId: agreement.indicatorIds[agreement.indicatorCodes.indexOf(code)]!,
      });
    }
  }
  return pairs;
}

/** Refuses what agreements never share: community detail and filters that isolate subsets. */
function checkGovernedRequest(
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

/** The codes of tenant ids among the principal's grants, for messages. */
function codesOf(grants: readonly Grant[], tenantIds: readonly string[]): string[] {
  return tenantIds.map((id) => grants.find((g) => g.tenantId === id)?.tenantCode ?? id);
}

/** Every visible indicator (global, or the tenant's own) in each tenant. */
async function rowPairs(
  ctx: RequestContext,
  tenantIds: readonly string[],
  codes: readonly string[] | null,
): Promise<Pair[]> {
  return ctx.tx.query<Pair>(
    `SELECT t.id AS "tenantId", i.id AS "indicatorId", i.code
       FROM tenants t JOIN indicators i ON i.tenant_id IS NULL OR i.tenant_id = t.id
      WHERE t.id = ANY ($1::uuid[]) AND ($2::text[] IS NULL OR i.code = ANY ($2::text[]))`,
    [tenantIds, codes],
  );
}

/** The agreements in force for the principal's aggregate grants, as the database sees them. */
async function agreementsInForce(ctx: RequestContext): Promise<Agreement[]> {
  return ctx.tx.query<Agreement>(
    `SELECT tenant_id AS "tenantId", id, recipient_organisation_id AS "recipientOrganisationId",
            indicator_ids AS "indicatorIds", indicator_codes AS "indicatorCodes",
            allowed_group_by AS "allowedGroupBy"
       FROM sharing_agreements_in_force()`,
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
            a.allowed_group_by AS "allowedGroupBy"
       FROM sharing_agreements a
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

function toSummary(row: CellRow): OutcomeSummary {
  const { baseline, latest } = row;
  const both = baseline !== null && latest !== null;
  const ratio = both && baseline !== 0 ? latest / baseline : null;
  const sides = [
    baseline === null ? null : [row.baseline_n ?? 0, row.baseline_communities ?? 0],
    latest === null ? null : [row.latest_n ?? 0, row.latest_communities ?? 0],
  ].filter((side): side is number[] => side !== null);
  const summary: OutcomeSummary = {
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
    suppressed: row.suppressed,
    suppressionReason: null,
    disclosure:
      row.min_cell_size === null
        ? null
        : {
            perturbed: true,
            minCellSize: row.min_cell_size,
            minCommunities: MIN_COMMUNITIES,
            maxDeviation: row.max_deviation!,
            deviationVariance: Number(row.deviation_variance),
            valueDeviation: Number(row.value_deviation),
          },
  };
  if (row.suppressed) {
    // The database sent no number for it; nothing is derived from one either.
    Object.assign(summary, {
      absoluteChange: null,
      relativeChange: null,
      foldChange: null,
      improved: null,
      sampleSize: null,
      communities: null,
    });
  }
  return summary;
}
