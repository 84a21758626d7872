import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import type { RequestContext } from '../../context';
import { ApprovalState, PeriodAction } from './approval.entity';
import type { ReportingPeriodsArgs } from './approval.inputs';
import type { PeriodTransition, ReportingPeriod } from './approval.type';

/*
 * Reading reporting periods: their rows, who moved them (from their append-only history, not
 * from author columns) and the lock exception in force. Scoped by the project's visibility
 * (Access), and by row-level security beneath.
 */

type PeriodRow = {
  tenantId: string;
  projectId: string;
  id: string;
  start: string;
  end: string;
  state: ApprovalState;
  version: number;
};

type TransitionRow = PeriodTransition & { tenantId: string; projectId: string; start: string };

const key = (tenantId: string, projectId: string, start: string) =>
  `${tenantId}:${projectId}:${start}`;

/** The periods holding `dates` in their projects (one per item, in order; DRAFT when new). */
export async function periodsOf(
  ctx: RequestContext,
  refs: readonly { projectId: string; date: string }[],
): Promise<(ReportingPeriod | null)[]> {
  const params: unknown[] = [refs.map((r) => r.projectId), refs.map((r) => r.date)];
  const visible = ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params);
  const rows = await ctx.tx.query<PeriodRow & { ord: string }>(
    `SELECT k.ord, p.tenant_id AS "tenantId", p.id AS "projectId",
            reporting_period_id(p.tenant_id, p.id, reporting_period_start(p.reporting_period, k.d)) AS id,
            to_char(reporting_period_start(p.reporting_period, k.d), 'YYYY-MM-DD') AS start,
            to_char(reporting_period_end(p.reporting_period, k.d), 'YYYY-MM-DD') AS "end",
            coalesce(rp.state, 'DRAFT') AS state, coalesce(rp.version, 0) AS version
       FROM unnest($1::uuid[], $2::date[]) WITH ORDINALITY AS k (project_id, d, ord)
       JOIN projects p ON p.id = k.project_id
       LEFT JOIN reporting_periods rp ON rp.tenant_id = p.tenant_id AND rp.project_id = p.id
        AND rp.period_start = reporting_period_start(p.reporting_period, k.d)
      WHERE ${visible}`,
    params,
  );
  const complete = await withHistory(ctx, rows);
  const byOrd = new Map(rows.map((row, i) => [Number(row.ord), complete[i]!]));
  return refs.map((_r, i) => byOrd.get(i + 1) ?? null);
}

/**
 * A page of the stored periods of visible projects (periods never written are DRAFT and not
 * stored), keyset-paged on the period's start and then its id.
 */
export async function listPeriods(
  ctx: RequestContext,
  args: ReportingPeriodsArgs,
): Promise<Page<ReportingPeriod>> {
  const filter = args.filter ?? {};
  const params: unknown[] = [];
  const where = [ctx.access.projectVisibleSql('rp.tenant_id', 'rp.project_id', params)];
  if (filter.tenantCodes) {
    where.push(ctx.access.tenantCodesSql('rp.tenant_id', filter.tenantCodes, params));
  }
  if (filter.projectIds) {
    params.push(filter.projectIds);
    where.push(`rp.project_id = ANY ($${params.length}::uuid[])`);
  }
  if (filter.states) {
    params.push(filter.states);
    where.push(`rp.state = ANY ($${params.length}::text[])`);
  }
  if (filter.from) {
    params.push(filter.from);
    where.push(`rp.period_end >= $${params.length}::date`);
  }
  if (filter.to) {
    params.push(filter.to);
    where.push(`rp.period_start <= $${params.length}::date`);
  }
  const page = await fetchPage<PeriodRow & { id: string }>(ctx, {
    select: `reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start) AS id,
             rp.tenant_id AS "tenantId", rp.project_id AS "projectId",
             to_char(rp.period_start, 'YYYY-MM-DD') AS start,
             to_char(rp.period_end, 'YYYY-MM-DD') AS "end", rp.state, rp.version`,
    from: 'reporting_periods rp',
    where,
    params,
    sort: { column: 'rp.period_start', cast: 'date', value: (row) => row.start },
    idColumn: 'reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start)',
    direction: args.orderBy?.direction ?? OrderDirection.ASC,
    first: args.first,
    after: args.after,
  });
  // Each node completed in place (its edge keeps it): history, authors, lock exception.
  const nodes = page.edges.map((edge) => edge.node);
  const complete = await withHistory(ctx, nodes);
  nodes.forEach((node, i) => Object.assign(node, complete[i]));
  return page as unknown as Page<ReportingPeriod>;
}

/**
 * The stored periods of visible projects among `ids` (their `reporting_period_id`), in no
 * particular order: how the changes feed reads the periods it names.
 */
export async function periodsByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<ReportingPeriod[]> {
  const params: unknown[] = [ids];
  const visible = ctx.access.projectVisibleSql('rp.tenant_id', 'rp.project_id', params);
  const rows = await ctx.tx.query<PeriodRow>(
    `SELECT rp.tenant_id AS "tenantId", rp.project_id AS "projectId",
            reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start) AS id,
            to_char(rp.period_start, 'YYYY-MM-DD') AS start,
            to_char(rp.period_end, 'YYYY-MM-DD') AS "end", rp.state, rp.version
       FROM reporting_periods rp
      WHERE reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start) = ANY ($1::uuid[])
        AND ${visible}`,
    // A scan of the visible tenants' periods (a few per project and year): no index needed.
    params,
  );
  return withHistory(ctx, rows);
}

/** Completes period rows with their history, who moved them, and their lock exception. */
async function withHistory(ctx: RequestContext, rows: PeriodRow[]): Promise<ReportingPeriod[]> {
  if (rows.length === 0) return [];
  const keys = [
    rows.map((r) => r.tenantId),
    rows.map((r) => r.projectId),
    rows.map((r) => r.start),
  ];
  const [transitions, exceptions] = await Promise.all([
    ctx.tx.query<TransitionRow>(
      `SELECT t.tenant_id AS "tenantId", t.project_id AS "projectId",
              to_char(t.period_start, 'YYYY-MM-DD') AS start, t.action, t.from_state AS "fromState",
              t.to_state AS "toState", t.comment, t.actor, t.organisation_id AS "organisationId",
              t.created_at AS at
         FROM period_transitions t
         JOIN unnest($1::uuid[], $2::uuid[], $3::date[]) AS k (tenant_id, project_id, period_start)
           ON t.tenant_id = k.tenant_id AND t.project_id = k.project_id
          AND t.period_start = k.period_start
        ORDER BY t.created_at, t.id`,
      keys,
    ),
    ctx.tx.query<{ tenantId: string; projectId: string; start: string; until: Date }>(
      `SELECT e.tenant_id AS "tenantId", e.project_id AS "projectId",
              to_char(e.period_start, 'YYYY-MM-DD') AS start, max(e.until) AS until
         FROM lock_exceptions e
         JOIN unnest($1::uuid[], $2::uuid[], $3::date[]) AS k (tenant_id, project_id, period_start)
           ON e.tenant_id = k.tenant_id AND e.project_id = k.project_id
          AND e.period_start = k.period_start
        WHERE e.until > now()
        GROUP BY 1, 2, 3`,
      keys,
    ),
  ]);
  const history = new Map<string, PeriodTransition[]>();
  for (const { tenantId, projectId, start, ...t } of transitions) {
    const k = key(tenantId, projectId, start);
    history.set(k, [...(history.get(k) ?? []), t]);
  }
  const until = new Map(exceptions.map((e) => [key(e.tenantId, e.projectId, e.start), e.until]));
  return rows.map((row) => {
    const entries = history.get(key(row.tenantId, row.projectId, row.start)) ?? [];
    const last = (...actions: PeriodAction[]) =>
      [...entries].reverse().find((t) => actions.includes(t.action));
    const submitted = last(PeriodAction.SUBMIT);
    const approved =
      row.state === ApprovalState.APPROVED
        ? last(PeriodAction.APPROVE, PeriodAction.MIGRATE)
        : undefined;
    const returned =
      row.state === ApprovalState.RETURNED
        ? last(PeriodAction.RETURN, PeriodAction.UNAPPROVE)
        : undefined;
    return {
      ...row,
      version: Number(row.version),
      submittedBy: submitted?.actor ?? null,
      submittedAt: submitted?.at ?? null,
      approvedBy: approved?.actor ?? null,
      approvedAt: approved?.at ?? null,
      returnedReason: returned?.comment ?? null,
      history: entries,
      lockExceptionUntil: until.get(key(row.tenantId, row.projectId, row.start)) ?? null,
    };
  });
}
