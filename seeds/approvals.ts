import type { ClientBase } from 'pg';

/**
 * Approves every period of `projectIds` that holds rows (as the database owner): the seed's
 * rows are the programme's published results, which count in summaries only once approved.
 * Recorded in each period's history; safe to run again (approved periods are left alone).
 */
export async function approveSeededPeriods(
  client: ClientBase,
  projectIds: readonly string[],
): Promise<void> {
  // The owner's inserts create no period rows (the period guard does not hold the owner).
  await client.query(
    `INSERT INTO reporting_periods (tenant_id, project_id, period_start, period_end)
     SELECT DISTINCT r.tenant_id, r.project_id, reporting_period_start(p.reporting_period, r.d),
            reporting_period_end(p.reporting_period, r.d)
       FROM (SELECT tenant_id, project_id, start_date AS d FROM activities
              WHERE project_id = ANY ($1::uuid[])
             UNION
             SELECT tenant_id, project_id, measured_on FROM measurements
              WHERE project_id = ANY ($1::uuid[])) r
       JOIN projects p ON p.tenant_id = r.tenant_id AND p.id = r.project_id
     ON CONFLICT DO NOTHING`,
    [projectIds],
  );
  await client.query(
    `WITH approved AS (
       UPDATE reporting_periods SET state = 'APPROVED', version = version + 1, updated_at = now()
        WHERE project_id = ANY ($1::uuid[]) AND state <> 'APPROVED'
        RETURNING tenant_id, project_id, period_start, state)
     INSERT INTO period_transitions (tenant_id, project_id, period_start, action, from_state,
            to_state, comment, actor)
     SELECT tenant_id, project_id, period_start, 'MIGRATE', 'DRAFT', 'APPROVED',
            'Seed data: the programme’s published results, approved as loaded', 'system:seed'
       FROM approved`,
    [projectIds],
  );
  // Each row follows its period (the period guard allows no other state).
  for (const table of ['activities', 'measurements']) {
    await client.query(
      `UPDATE ${table} SET approval_state = 'APPROVED'
        WHERE project_id = ANY ($1::uuid[]) AND approval_state <> 'APPROVED'`,
      [projectIds],
    );
  }
}
