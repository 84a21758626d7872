import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The indexed activity-title search works on Citus too (docs/scaling.md, "Routing").
 *
 * `search_activity_ids(pattern)` (migration 1796184913509) answered NULL on Citus, so searches
 * there compared every activity in scope: requests called it inside their list statement,
 * which Citus sends to the shard whole, where a function cannot read a distributed table.
 * Requests now call it in a statement of its own just before the list (a `Lookup` parameter,
 * src/db/request-transaction.ts), and it reads the request's scope into its lookup as
 * constants, which Citus routes by: the lookup of a one-tenant request reads that tenant's
 * shard group only. The same function serves plain PostgreSQL, where naming the tenants in
 * each branch changes nothing of what it answers (the rows were filtered by them after).
 *
 * PL/pgSQL rather than SQL: Citus cannot plan the statement of a SQL function with parameters
 * ("possibly this is caused by the use of parameters in SQL functions"), and `EXECUTE` plans
 * the lookup with the scope's values.
 */
export class ActivitySearchOnCitus1796307071050 implements MigrationInterface {
  name = 'ActivitySearchOnCitus1796307071050';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`
      CREATE OR REPLACE FUNCTION search_activity_ids(p_pattern text) RETURNS uuid[]
      LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
      SET search_path = public
      AS $fn$
      DECLARE
        v_ids uuid[];
      BEGIN
        EXECUTE format(${ROUTED_LOOKUP},
          app_uuid_setting('app.tenant_ids'), app_uuid_setting('app.partner_tenant_ids'),
          app_uuid_setting('app.partner_project_ids'), p_pattern)
        INTO v_ids;
        RETURN v_ids;
      END $fn$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    const citus =
      ((await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[]).length >
      0;
    await db.query(`
      CREATE OR REPLACE FUNCTION search_activity_ids(p_pattern text) RETURNS uuid[]
      LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
      SET search_path = public
      AS $$ ${citus ? 'SELECT NULL::uuid[]' : LOOKUP} $$`);
  }
}

/** More matches than this, and a page of rows is found faster by reading them in order. */
const MAX_IDS = 10_000;

/**
 * The lookup as `format()` takes it: matching ids among the rows of the tenants `%1$L`, those
 * of partner tenants `%2$L` only in the projects `%3$L` (the read policy of activities,
 * restated), by source title or translation containing `%4$L`; NULL past MAX_IDS.
 */
const ROUTED_LOOKUP = `$sql$
        SELECT CASE WHEN count(*) > ${MAX_IDS} THEN NULL
                    ELSE coalesce(array_agg(DISTINCT matching.id), '{}') END
        FROM (
          SELECT found.id FROM (
            SELECT a.id, a.tenant_id, a.project_id FROM activities a
             WHERE a.tenant_id = ANY (%1$L::uuid[])
               AND search_fold(a.title) LIKE search_fold(%4$L)
            UNION ALL
            SELECT t.entity_id, t.tenant_id, t.project_id FROM translations t
             WHERE t.tenant_id = ANY (%1$L::uuid[])
               AND t.entity_type = 'activity' AND t.field = 'title'
               AND search_fold(t.value) LIKE search_fold(%4$L)
          ) AS found
          WHERE NOT (found.tenant_id = ANY (%2$L::uuid[])) OR found.project_id = ANY (%3$L::uuid[])
          LIMIT ${MAX_IDS + 1}
        ) AS matching $sql$`;

/** The lookup as migration 1796184913509 wrote it, for down(). */
const LOOKUP = `
        WITH scope AS (
          SELECT app_uuid_setting('app.tenant_ids') AS tenants,
                 app_uuid_setting('app.partner_tenant_ids') AS partner_tenants,
                 app_uuid_setting('app.partner_project_ids') AS partner_projects)
        SELECT CASE WHEN count(*) > ${MAX_IDS} THEN NULL
                    ELSE coalesce(array_agg(DISTINCT matching.id), '{}') END
        FROM (
          SELECT found.id FROM (
            SELECT a.id, a.tenant_id, a.project_id FROM activities a
             WHERE search_fold(a.title) LIKE search_fold(p_pattern)
            UNION ALL
            SELECT t.entity_id, t.tenant_id, t.project_id FROM translations t
             WHERE t.entity_type = 'activity' AND t.field = 'title'
               AND search_fold(t.value) LIKE search_fold(p_pattern)
          ) AS found, scope
          WHERE found.tenant_id = ANY (scope.tenants)
            AND (NOT (found.tenant_id = ANY (scope.partner_tenants))
                 OR found.project_id = ANY (scope.partner_projects))
          LIMIT ${MAX_IDS + 1}
        ) AS matching
`;

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to create a function
 * after a parallel command on a distributed table in the same transaction ("there was a
 * parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
