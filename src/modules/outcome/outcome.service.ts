import { forbidden } from '../../common/errors';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import type { Settlement } from '../community/community.entity';
import { IndicatorDirection, type IndicatorUnit } from '../indicator/indicator.entity';
import type { Sex } from '../measurement/measurement.entity';
import { OutcomeDimension, type OutcomeSummariesArgs, SummaryApproval } from './outcome.inputs';
import { checkGovernedRequest, planRequest } from './outcome.plan';
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
 * outcome.plan.ts chooses the (tenant, indicator) pairs and refuses, with a clear message,
 * what the database would refuse anyway; the database decides again on its own.
 */

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
  if (plan.governed && (args.approval ?? SummaryApproval.APPROVED) !== SummaryApproval.APPROVED) {
    throw forbidden('Aggregates shared under an agreement count approved data only');
  }

  const { scopedTenants, scopedProjects } = await partnerScope(ctx);
  // One statement reads the cells and, for a governed read, records it in the audit log: the
  // answer leaves only once the request's transaction, record included, has committed.
  const [{ cells: rows }] = (await ctx.tx.query<{ cells: CellRow[] }>(
    `SELECT coalesce(json_agg(c ORDER BY indicator_code, tenant_id, region, project_code,
                              community_id, settlement, sex, year), '[]') AS cells
       FROM outcome_cells($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[],
                          $6::uuid[], $7, $8::date, $9::date, $10::text[], $11, $12, $13) c`,
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
      args.approval ?? SummaryApproval.APPROVED,
    ],
  )) as [{ cells: CellRow[] }];
  return rows.map(toSummary);
}

/** Layer 2 for partners: in their tenants, only the projects they implement or partner in. */
async function partnerScope(
  ctx: RequestContext,
): Promise<{ scopedTenants: string[] | null; scopedProjects: string[] | null }> {
  const tenants = [...new Set(ctx.access.partnerTenantIds)];
  if (tenants.length === 0) return { scopedTenants: null, scopedProjects: null };
  // One tenant at a time, named with `=`, so that Citus routes each statement to that
  // tenant's shard group (an `= ANY (list)` fans out to all of them).
  const perTenant = await Promise.all(
    tenants.map((tenant) => {
      const params: unknown[] = [];
      const partnered = ctx.access.partnerProjectsSql('p.tenant_id', 'p.id', params);
      return ctx.tx.query<{ id: string }>(
        `SELECT p.id FROM projects p WHERE p.tenant_id = ${param(params, tenant)}::uuid AND ${partnered}`,
        params,
      );
    }),
  );
  return {
    scopedTenants: tenants,
    scopedProjects: perTenant.flatMap((rows) => rows.map((row) => row.id)),
  };
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
