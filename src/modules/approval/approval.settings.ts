import { Capability } from '../../auth/access';
import { badUserInput, conflict, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import { recordAudit } from '../audit/audit.service';
import { ApprovalState, type ReportingPeriodLength, SelfApproval } from './approval.entity';
import type {
  GrantLockExceptionInput,
  SetReportingPeriodLengthInput,
  UpdateApprovalSettingsInput,
} from './approval.inputs';
import { periodsOf } from './approval.periods';
import type { ApprovalSettings, LockException } from './approval.type';

/* A tenant's approval settings, lock exceptions and a project's period length: admins' writes. */

/** A tenant's settings (the defaults until an admin changes them). */
export async function approvalSettings(
  ctx: RequestContext,
  tenantCode: string,
): Promise<ApprovalSettings> {
  const code = tenantCode.trim().toUpperCase();
  const tenantId = ctx.access.tenantForCode(Capability.READ, code);
  if (!tenantId) throw notFound('Tenant');
  const [row] = await ctx.tx.query<ApprovalSettings>(
    `SELECT input_window_days AS "inputWindowDays", self_approval AS "selfApproval"
       FROM approval_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  return {
    tenantCode: code,
    inputWindowDays: row?.inputWindowDays ?? 0,
    selfApproval: row?.selfApproval ?? SelfApproval.WHEN_ONLY_ORGANISATION,
  };
}

export async function updateApprovalSettings(
  ctx: RequestContext,
  input: UpdateApprovalSettingsInput,
): Promise<ApprovalSettings> {
  const tenantId = adminOf(ctx, input.tenantCode);
  const before = await approvalSettings(ctx, input.tenantCode);
  const after = {
    inputWindowDays: input.inputWindowDays ?? before.inputWindowDays,
    selfApproval: input.selfApproval ?? before.selfApproval,
  };
  // EXCLUDED.updated_at (its default, now()): Citus allows only IMMUTABLE functions in DO
  // UPDATE SET.
  await ctx.tx.query(
    `INSERT INTO approval_settings (tenant_id, input_window_days, self_approval, updated_by)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id) DO UPDATE SET input_window_days = EXCLUDED.input_window_days,
       self_approval = EXCLUDED.self_approval, version = approval_settings.version + 1,
       updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
    [tenantId, after.inputWindowDays, after.selfApproval, ctx.access.actor],
  );
  await recordAudit(ctx, {
    tenantId,
    action: 'UPDATE',
    entityType: 'ApprovalSettings',
    entityId: tenantId,
    before: { inputWindowDays: before.inputWindowDays, selfApproval: before.selfApproval },
    after,
  });
  return { tenantCode: before.tenantCode, ...after };
}

/** Reopens a period closed by the input window until `until` (never an approved one). */
export async function grantLockException(
  ctx: RequestContext,
  input: GrantLockExceptionInput,
): Promise<LockException> {
  if (!(input.until instanceof Date) || input.until.getTime() <= Date.now()) {
    throw badUserInput('until', 'must be in the future');
  }
  const [period] = await periodsOf(ctx, [input]);
  if (!period) throw badUserInput('projectId', 'No such project, or it is hidden from you');
  if (!ctx.access.tenantIdsFor(Capability.ADMIN).includes(period.tenantId)) {
    throw forbidden('Only the tenant’s admins grant lock exceptions');
  }
  if (period.state === ApprovalState.APPROVED) {
    throw conflict('The period is approved: unapprove it instead of granting an exception', {
      field: 'period',
    });
  }
  await ctx.tx.query(
    `INSERT INTO reporting_periods (tenant_id, project_id, period_start, period_end)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
    [period.tenantId, period.projectId, period.start, period.end],
  );
  const [row] = await ctx.tx.query<{ id: string }>(
    `INSERT INTO lock_exceptions (tenant_id, project_id, period_start, until, reason, granted_by)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      period.tenantId,
      period.projectId,
      period.start,
      input.until,
      input.reason.trim(),
      ctx.access.actor,
    ],
  );
  await recordAudit(ctx, {
    tenantId: period.tenantId,
    action: 'GRANT_LOCK_EXCEPTION',
    entityType: 'ReportingPeriod',
    entityId: `${period.projectId}:${period.start}`,
    before: null,
    after: { until: input.until.toISOString(), reason: input.reason.trim() },
  });
  const [reread] = await periodsOf(ctx, [input]);
  return { id: row!.id, period: reread!, until: input.until, reason: input.reason.trim() };
}

/** Sets a project's period length while none of its periods has left DRAFT. */
export async function setReportingPeriodLength(
  ctx: RequestContext,
  input: SetReportingPeriodLengthInput,
): Promise<boolean> {
  const params: unknown[] = [input.projectId];
  const writer = ctx.access.tenantScopeSql(Capability.TENANT_WRITE, 'p.tenant_id', params);
  const [project] = await ctx.tx.query<{
    tenantId: string;
    length: ReportingPeriodLength;
    used: boolean;
  }>(
    `SELECT p.tenant_id AS "tenantId", p.reporting_period AS length,
            EXISTS (SELECT 1 FROM reporting_periods rp WHERE rp.tenant_id = p.tenant_id
                     AND rp.project_id = p.id AND rp.state <> 'DRAFT') AS used
       FROM projects p WHERE p.id = $1 AND ${writer}
       FOR UPDATE OF p`,
    params,
  );
  if (!project) throw forbidden('You may not change this project');
  if (project.length === input.length) return true;
  if (project.used) {
    throw conflict(
      'Periods of this project were submitted or approved; its period length is fixed',
      {
        field: 'length',
      },
    );
  }
  // Rows fall into the new periods from their next write or transition on (all are DRAFT).
  await ctx.tx.query(`UPDATE projects SET reporting_period = $3 WHERE tenant_id = $1 AND id = $2`, [
    project.tenantId,
    input.projectId,
    input.length,
  ]);
  await recordAudit(ctx, {
    tenantId: project.tenantId,
    action: 'UPDATE',
    entityType: 'Project',
    entityId: input.projectId,
    before: { reportingPeriod: project.length },
    after: { reportingPeriod: input.length },
  });
  return true;
}

function adminOf(ctx: RequestContext, tenantCode: string): string {
  const code = tenantCode.trim().toUpperCase();
  const tenantId = ctx.access.tenantForCode(Capability.ADMIN, code);
  if (!tenantId) throw forbidden(`You may not administer tenant ${code}`);
  return tenantId;
}
