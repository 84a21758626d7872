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
                               e.until) AS reason
       FROM (SELECT DISTINCT * FROM unnest($2::uuid[], $3::date[])) AS k (project_id, d)
       JOIN projects p ON p.tenant_id = $1 AND p.id = k.project_id
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
