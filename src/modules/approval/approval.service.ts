import { Capability } from '../../auth/access';
import { ErrorCode } from '../../common/errors';
import type { RequestContext } from '../../context';
import { recordAudit } from '../audit/audit.service';
import { ApprovalState, PeriodAction, SelfApproval } from './approval.entity';
import { periodsOf } from './approval.periods';
import { type PeriodTransitionResult, TransitionStatus } from './approval.type';

/*
 * The approval workflow: submitPeriod, approvePeriod, returnPeriod, unapprovePeriod and their
 * bulk forms, in the request's one transaction. Each period is locked FOR UPDATE before its
 * state is read, so a concurrent write into it (which holds its row FOR SHARE, see the period
 * guard in migrations/*approval-and-locks*) either commits first and is carried along, or
 * waits and is then refused. The rows of the period follow its state (the guard keeps them
 * equal); every transition is recorded in the period's history and the audit log.
 */

type Rule = Readonly<{
  from: readonly ApprovalState[];
  to: ApprovalState;
  /** Who may: writers of the project's rows, or approvers (admins; keys with `approve`). */
  by: 'writer' | 'approver';
  needsComment: boolean;
}>;

const RULES: Readonly<Record<Exclude<PeriodAction, PeriodAction.MIGRATE>, Rule>> = {
  [PeriodAction.SUBMIT]: {
    from: [ApprovalState.DRAFT, ApprovalState.RETURNED],
    to: ApprovalState.SUBMITTED,
    by: 'writer',
    needsComment: false,
  },
  [PeriodAction.APPROVE]: {
    from: [ApprovalState.SUBMITTED],
    to: ApprovalState.APPROVED,
    by: 'approver',
    needsComment: false,
  },
  [PeriodAction.RETURN]: {
    from: [ApprovalState.SUBMITTED],
    to: ApprovalState.RETURNED,
    by: 'approver',
    needsComment: true,
  },
  [PeriodAction.UNAPPROVE]: {
    from: [ApprovalState.APPROVED],
    to: ApprovalState.RETURNED,
    by: 'approver',
    needsComment: true,
  },
};

export type TransitionAction = keyof typeof RULES;

type ProjectRow = {
  tenantId: string;
  id: string;
  reportingPeriod: string;
  recordingOrganisationId: string | null;
};

/** Moves each period (any day of it names it) as `action` says, reporting per period. */
export async function transitionPeriods(
  ctx: RequestContext,
  action: TransitionAction,
  refs: readonly { projectId: string; date: string }[],
  comment: string | null,
): Promise<PeriodTransitionResult[]> {
  const rule = RULES[action];
  const projects = await projectsOf(ctx, [...new Set(refs.map((r) => r.projectId))]);
  const results: PeriodTransitionResult[] = [];
  for (const ref of refs) {
    const refuse = (code: ErrorCode, message: string): PeriodTransitionResult => ({
      ...ref,
      status: TransitionStatus.REFUSED,
      period: null,
      activities: 0,
      measurements: 0,
      code,
      message,
    });
    const project = projects.get(ref.projectId);
    if (!project) {
      results.push(refuse(ErrorCode.NOT_FOUND, 'No such project, or it is hidden from you'));
      continue;
    }
    const allowed =
      rule.by === 'writer'
        ? project.recordingOrganisationId !== null
        : ctx.access.approverTenantIds.includes(project.tenantId);
    if (!allowed) {
      results.push(
        refuse(
          ErrorCode.FORBIDDEN,
          rule.by === 'writer'
            ? 'You may not submit periods of this project'
            : 'Only tenant admins (and API keys with the approve and write scopes) may approve, return or unapprove periods',
        ),
      );
      continue;
    }
    if (rule.needsComment && !comment?.trim()) {
      results.push(refuse(ErrorCode.BAD_USER_INPUT, 'A comment saying why is required'));
      continue;
    }
    results.push(await transitionOne(ctx, action, rule, project, ref, comment?.trim() || null));
  }
  return results;
}

async function transitionOne(
  ctx: RequestContext,
  action: TransitionAction,
  rule: Rule,
  project: ProjectRow,
  ref: { projectId: string; date: string },
  comment: string | null,
): Promise<PeriodTransitionResult> {
  const base = { ...ref, activities: 0, measurements: 0, code: null, message: null };
  const k = [project.tenantId, project.id, project.reportingPeriod, ref.date];
  await ctx.tx.query(
    `INSERT INTO reporting_periods (tenant_id, project_id, period_start, period_end)
     VALUES ($1, $2, reporting_period_start($3, $4::date), reporting_period_end($3, $4::date))
     ON CONFLICT DO NOTHING`,
    k,
  );
  const [locked] = await ctx.tx.query<{ state: ApprovalState; start: string; end: string }>(
    `SELECT state, period_start AS start, period_end AS "end" FROM reporting_periods
      WHERE tenant_id = $1 AND project_id = $2 AND period_start = reporting_period_start($3, $4::date)
      FOR UPDATE`,
    k,
  );
  const state = locked!.state;
  if (state === rule.to && action !== PeriodAction.UNAPPROVE) {
    const [period] = await periodsOf(ctx, [ref]);
    return { ...base, status: TransitionStatus.UNCHANGED, period: period ?? null };
  }
  if (!rule.from.includes(state)) {
    return {
      ...base,
      status: TransitionStatus.REFUSED,
      period: null,
      code: ErrorCode.CONFLICT,
      message: `The period is ${state}; it can be ${pastTense(action)} only when ${rule.from.join(' or ')}`,
    };
  }
  if (action === PeriodAction.APPROVE) {
    const refusal = await selfApprovalRefusal(ctx, project, k);
    if (refusal) {
      return {
        ...base,
        status: TransitionStatus.REFUSED,
        period: null,
        code: ErrorCode.FORBIDDEN,
        message: refusal,
      };
    }
  }
  const organisationId = ctx.access.organisationIn(project.tenantId);
  await ctx.tx.query(
    `INSERT INTO period_transitions (tenant_id, project_id, period_start, action, from_state,
            to_state, comment, actor, organisation_id)
     VALUES ($1, $2, reporting_period_start($3, $4::date), $5, $6, $7, $8, $9, $10)`,
    [...k, action, state, rule.to, comment, ctx.access.actor, organisationId],
  );
  const [moved] = await ctx.tx.query<{ id: string; version: number }>(
    `UPDATE reporting_periods rp SET state = $5, version = rp.version + 1, updated_at = now()
      WHERE rp.tenant_id = $1 AND rp.project_id = $2
        AND rp.period_start = reporting_period_start($3, $4::date)
      RETURNING reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start) AS id, rp.version`,
    [...k, rule.to],
  );
  // Every row of the period follows it (the guard refuses a state its period does not have).
  const counts: number[] = [];
  for (const [table, column] of [
    ['activities', 'start_date'],
    ['measurements', 'measured_on'],
  ] as const) {
    const [row] = await ctx.tx.query<{ n: string }>(
      `WITH touched AS (
         UPDATE ${table} SET approval_state = $5
          WHERE tenant_id = $1 AND project_id = $2
            AND ${column} BETWEEN reporting_period_start($3, $4::date)
                              AND reporting_period_end($3, $4::date)
          RETURNING 1)
       SELECT count(*) AS n FROM touched`,
      [...k, rule.to],
    );
    counts.push(Number(row?.n ?? 0));
  }
  await recordAudit(ctx, {
    tenantId: project.tenantId,
    organisationId,
    action: `PERIOD_${action}`,
    entityType: 'ReportingPeriod',
    entityId: `${project.id}:${locked!.start}`,
    before: { state },
    after: { state: rule.to, ...(comment ? { comment } : {}) },
    details: { activities: counts[0], measurements: counts[1] },
    // For the changes feed and webhooks (period.approved, …): the period's own id.
    feedEntityId: moved!.id,
    projectId: project.id,
    version: moved!.version,
  });
  const [period] = await periodsOf(ctx, [ref]);
  return {
    ...base,
    status: TransitionStatus.DONE,
    period: period ?? null,
    activities: counts[0] ?? 0,
    measurements: counts[1] ?? 0,
  };
}

const pastTense = (action: TransitionAction): string =>
  ({ SUBMIT: 'submitted', APPROVE: 'approved', RETURN: 'returned', UNAPPROVE: 'unapproved' })[
    action
  ];

/**
 * Why the approver's organisation may not approve this period (it submitted it, and the
 * tenant's setting forbids that), or null.
 */
async function selfApprovalRefusal(
  ctx: RequestContext,
  project: ProjectRow,
  k: unknown[],
): Promise<string | null> {
  const approver = ctx.access.organisationIn(project.tenantId);
  if (!approver) return null; // platform admins act for no organisation
  const [row] = await ctx.tx.query<{
    submitter: string | null;
    rule: SelfApproval | null;
    orgs: string;
  }>(
    `SELECT (SELECT t.organisation_id FROM period_transitions t
              WHERE t.tenant_id = $1 AND t.project_id = $2
                AND t.period_start = reporting_period_start($3, $4::date) AND t.action = 'SUBMIT'
              ORDER BY t.created_at DESC LIMIT 1) AS submitter,
            (SELECT s.self_approval FROM approval_settings s WHERE s.tenant_id = $1) AS rule,
            (SELECT count(DISTINCT po.organisation_id) FROM project_organisations po
              WHERE po.tenant_id = $1 AND po.role IN ('IMPLEMENTER', 'PARTNER')) AS orgs`,
    k,
  );
  if (!row || row.submitter !== approver) return null;
  const rule = row.rule ?? SelfApproval.WHEN_ONLY_ORGANISATION;
  if (rule === SelfApproval.ALWAYS) return null;
  if (rule === SelfApproval.WHEN_ONLY_ORGANISATION && Number(row.orgs) <= 1) return null;
  return 'Your organisation submitted this period; another organisation must approve it (see the tenant’s selfApproval setting)';
}

/** The visible projects among `ids`, with their period length and whether one records for them. */
async function projectsOf(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Map<string, ProjectRow>> {
  const params: unknown[] = [ids];
  const visible = ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params);
  const recording = ctx.access.recordingOrganisationSql('p.tenant_id', 'p.id', params);
  const writer = ctx.access.tenantScopeSql(Capability.WRITE, 'p.tenant_id', params);
  const rows = await ctx.tx.query<ProjectRow>(
    `SELECT p.tenant_id AS "tenantId", p.id, p.reporting_period AS "reportingPeriod",
            CASE WHEN ${writer} THEN ${recording} END AS "recordingOrganisationId"
       FROM projects p WHERE p.id = ANY ($1::uuid[]) AND ${visible}`,
    params,
  );
  return new Map(rows.map((row) => [row.id, row]));
}
