import { DomainError, ErrorCode } from '../../common/errors';
import type { RequestContext } from '../../context';

/*
 * The period locks as imports see them: for each item, why its period refuses changes (or
 * null), with every period's row created when missing and locked FOR SHARE until the
 * transaction ends — the same lock the period guard takes for each row written, taken here for
 * all items at once and before the rows, so that an approval running at the same time either
 * waits for the import or makes it refuse the items (see migrations/*approval-and-locks*).
 */

/** The date that puts a row of each kind in its period. */
const PERIOD_DATE: Readonly<Record<string, string>> = {
  Activity: 'startDate',
  Measurement: 'measuredOn',
};

/** The table and date column of each kind, as the period guard reads them. */
const PERIOD_TABLE: Readonly<Record<string, readonly [string, string]>> = {
  Activity: ['activities', 'start_date'],
  Measurement: ['measurements', 'measured_on'],
};

/** The date that puts `values` (of the GraphQL type `entityType`) in its period. */
export function periodDateOf(entityType: string, values: Record<string, unknown>): string | null {
  const field = PERIOD_DATE[entityType];
  const value = field ? values[field] : null;
  return typeof value === 'string' ? value : null;
}

/** Per item (in order), why its period of its project refuses changes, or null. */
export async function periodLockReasons(
  ctx: RequestContext,
  tenantId: string,
  items: readonly { projectId: string; date: string | null }[],
): Promise<(string | null)[]> {
  const dated = items.filter((item) => item.date !== null);
  if (dated.length === 0) return items.map(() => null);
  const params = [tenantId, dated.map((i) => i.projectId), dated.map((i) => i.date)];
  await ctx.tx.query(
    `INSERT INTO reporting_periods (tenant_id, project_id, period_start, period_end)
     SELECT DISTINCT p.tenant_id, p.id, reporting_period_start(p.reporting_period, k.d),
            reporting_period_end(p.reporting_period, k.d)
       FROM unnest($2::uuid[], $3::date[]) AS k (project_id, d)
       JOIN projects p ON p.tenant_id = $1 AND p.id = k.project_id
     ON CONFLICT DO NOTHING`,
    params,
  );
  const rows = await ctx.tx.query<{ projectId: string; date: string; reason: string | null }>(
    `SELECT k.project_id AS "projectId", to_char(k.d, 'YYYY-MM-DD') AS date,
            period_lock_reason(rp.state, rp.period_start, rp.period_end, s.input_window_days,
                               e.until, t.timezone) AS reason
       FROM (SELECT DISTINCT * FROM unnest($2::uuid[], $3::date[])) AS k (project_id, d)
       JOIN projects p ON p.tenant_id = $1 AND p.id = k.project_id
       JOIN tenants t ON t.id = $1
       JOIN reporting_periods rp ON rp.tenant_id = $1 AND rp.project_id = p.id
        AND rp.period_start = reporting_period_start(p.reporting_period, k.d)
       LEFT JOIN approval_settings s ON s.tenant_id = $1
       LEFT JOIN (SELECT x.project_id, x.period_start, max(x.until) AS until
                    FROM lock_exceptions x WHERE x.tenant_id = $1 GROUP BY 1, 2) e
         ON e.project_id = rp.project_id AND e.period_start = rp.period_start
      ORDER BY rp.project_id, rp.period_start
      FOR SHARE OF rp`,
    params,
  );
  const reasons = new Map(rows.map((r) => [`${r.projectId}:${r.date}`, r.reason]));
  return items.map((item) =>
    item.date === null ? null : (reasons.get(`${item.projectId}:${item.date}`) ?? null),
  );
}

/** Periods a forced write went through although they refused changes: why each refused. */
export type ForcedLocks = Readonly<{ lifted: readonly string[] }>;

/**
 * Before a write that asked for `force`: refuses anyone but a platform admin (FORBIDDEN, field
 * `force`), notes why the periods of `items` refuse changes (what the audit entry records),
 * and lifts the period guard for this transaction until `restorePeriodLocks`. The database
 * lifts it only for a platform admin's request (period_locks_forced() in
 * migrations/*forced-writes*), whatever the service does. Null when no force was asked.
 */
export async function liftPeriodLocks(
  ctx: RequestContext,
  force: boolean | null | undefined,
  tenantId: string,
  items: readonly { projectId: string; date: string | null }[],
): Promise<ForcedLocks | null> {
  if (!force) return null;
  assertMayForce(ctx);
  const reasons = await periodLockReasons(ctx, tenantId, items);
  // SET LOCAL, not set_config: Citus passes it on to the workers, where the guard runs.
  await ctx.tx.query(`SET LOCAL app.force_period_locks = 'on'`);
  return { lifted: [...new Set(reasons.filter((r): r is string => r !== null))] };
}

/** Refuses `force` to anyone but a platform admin (FORBIDDEN, field `force`). */
export function assertMayForce(ctx: RequestContext): void {
  if (!ctx.access.forcesPeriodLocks) {
    throw new DomainError(
      ErrorCode.FORBIDDEN,
      'Only platform admins may force a write into a locked period; ask a tenant admin to unapprove it or grant a lock exception',
      { field: 'force' },
    );
  }
}

/**
 * Puts the period guard back after a forced write (no-op when none was forced). A write that
 * failed in between skips this, which is harmless: a mutation with an error is rolled back
 * whole (src/db/transaction.plugin.ts), and the setting ends with the transaction.
 */
export async function restorePeriodLocks(
  ctx: RequestContext,
  forced: ForcedLocks | null,
): Promise<void> {
  if (forced) await ctx.tx.query(`SET LOCAL app.force_period_locks = 'off'`);
}

/** What an audit entry of a forced write adds to its details. */
export const forcedDetails = (forced: ForcedLocks | null): Record<string, unknown> =>
  forced ? { forced: true, lockedPeriods: forced.lifted } : {};

/**
 * After a forced insert: a row forced into an approved period is part of what was approved
 * (its state follows its period's, which the guard allows and nothing else may set).
 */
export async function joinApprovedPeriod(
  ctx: RequestContext,
  entityType: string,
  tenantId: string,
  id: string,
): Promise<void> {
  const [table, column] = PERIOD_TABLE[entityType]!;
  await ctx.tx.query(
    `UPDATE ${table} r SET approval_state = 'APPROVED'
       FROM projects p, reporting_periods rp
      WHERE r.tenant_id = $1 AND r.id = $2 AND p.tenant_id = r.tenant_id AND p.id = r.project_id
        AND rp.tenant_id = r.tenant_id AND rp.project_id = r.project_id
        AND rp.period_start = reporting_period_start(p.reporting_period, r.${column})
        AND rp.state = 'APPROVED'`,
    [tenantId, id],
  );
}
