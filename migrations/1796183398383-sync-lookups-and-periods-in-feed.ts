import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What partners' sync tools need beside the changes feed (docs/changes-and-webhooks.md), and
 * reporting periods in the feed:
 *
 * - `(tenant_id, updated_at, id)` on the five listed tables, for `filter.updatedSince` and
 *   `orderBy: UPDATED_AT`;
 * - `(tenant_id, external_id)` on activities and measurements (only rows that have one), for
 *   `filter.externalIds`: the unique key puts the recording organisation between the two;
 * - `reporting_period_id(tenant, project, start)`: a period's id, derived from its key (the
 *   table's key is the project and start; the feed, the webhooks' payloads and
 *   `ReportingPeriod.id` need one UUID). Immutable, so it is the same wherever it is computed;
 * - `change_feed_rows` again, now also listing the periods of the scope, so the first call
 *   sends them and a partner who loses a project gets their tombstones too.
 *
 * Indexes and functions only: on Citus the indexes are built on every shard and the functions
 * are propagated to the workers, as the earlier migrations' are.
 */
export class SyncLookupsAndPeriodsInFeed1796183398383 implements MigrationInterface {
  name = 'SyncLookupsAndPeriodsInFeed1796183398383';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    for (const table of UPDATED) {
      await db.query(
        `CREATE INDEX ${table}_tenant_updated_idx ON ${table} (tenant_id, updated_at, id)`,
      );
    }
    for (const table of EXTERNAL) {
      await db.query(`CREATE INDEX ${table}_tenant_external_idx ON ${table} (tenant_id, external_id)
        WHERE external_id IS NOT NULL`);
    }
    // The start as days since 2000-01-01, not as text: date output depends on DateStyle.
    await db.query(`
      CREATE FUNCTION reporting_period_id(p_tenant uuid, p_project uuid, p_start date)
      RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT md5('reporting_period:' || p_tenant::text || ':' || p_project::text || ':'
                       || (p_start - DATE '2000-01-01')::text)::uuid $$`);
    await db.query(`GRANT EXECUTE ON FUNCTION reporting_period_id(uuid, uuid, date) TO dg_app`);
    await db.query(changeFeedRows(true));
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(changeFeedRows(false));
    await db.query(`DROP FUNCTION reporting_period_id(uuid, uuid, date)`);
    for (const table of EXTERNAL) await db.query(`DROP INDEX ${table}_tenant_external_idx`);
    for (const table of UPDATED) await db.query(`DROP INDEX ${table}_tenant_updated_idx`);
  }
}

const UPDATED = ['projects', 'communities', 'indicators', 'activities', 'measurements'];
const EXTERNAL = ['activities', 'measurements'];

/** change_feed_rows with the periods (as 1796168141601 defined it, without them, for down). */
function changeFeedRows(withPeriods: boolean): string {
  const periods = withPeriods
    ? `UNION ALL
        SELECT 'ReportingPeriod', reporting_period_id(rp.tenant_id, rp.project_id, rp.period_start)
          FROM reporting_periods rp
         WHERE rp.tenant_id = p_tenant AND (p_full OR rp.project_id = ANY (p_projects))`
    : '';
  return `
      CREATE OR REPLACE FUNCTION change_feed_rows(p_tenant uuid, p_full boolean, p_projects uuid[],
        p_communities uuid[])
      RETURNS TABLE (entity_type text, id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public
      -- PL/pgSQL, not SQL: Citus cannot plan the statements of a SQL function that is not
      -- inlined (this one is SECURITY DEFINER) when they use its parameters.
      AS $$
      BEGIN
        RETURN QUERY
        SELECT 'Project'::text, p.id FROM projects p
         WHERE p.tenant_id = p_tenant AND (p_full OR p.id = ANY (p_projects))
        UNION ALL
        SELECT 'Community', c.id FROM communities c
         WHERE c.tenant_id = p_tenant AND (p_full OR c.id = ANY (p_communities))
        UNION ALL
        SELECT 'Activity', a.id FROM activities a
         WHERE a.tenant_id = p_tenant AND a.deleted_at IS NULL AND (p_full OR a.project_id = ANY (p_projects))
        UNION ALL
        SELECT 'Measurement', m.id FROM measurements m
         WHERE m.tenant_id = p_tenant AND m.deleted_at IS NULL AND (p_full OR m.project_id = ANY (p_projects))
        UNION ALL
        SELECT 'Indicator', i.id FROM indicators i WHERE i.tenant_id = p_tenant
        ${periods};
      END
      $$`;
}

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
