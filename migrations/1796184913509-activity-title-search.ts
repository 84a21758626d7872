import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Searching activity titles without reading every activity of a tenant (issue 21).
 *
 * A trigram index on `search_fold(title)` alone does not help requests: under row-level
 * security PostgreSQL uses an index only for conditions whose operators are LEAKPROOF, and
 * LIKE is not, so every request's search read (and folded) all the rows its policies let it
 * see — seconds for a country with a few hundred thousand activities.
 *
 * `search_activity_ids(pattern)` finds the matching activities through the index, as the
 * owner (who is not subject to the policies), among the rows the request's own settings let
 * it read (the read policy of activities, restated), by their source title or a translation
 * of it. It answers ids only; the request's query then reads those rows under its policies
 * as before, so the function can widen nothing. Callers use it only for patterns of three or
 * more characters (shorter ones have no trigram to look up). A pattern matching more than
 * 10,000 activities answers NULL: the caller then compares titles row by row, which for so
 * common a pattern finds a page's worth of rows at once (measured in the README).
 *
 * On Citus the function answers NULL (see up()): searches there compare rows as before.
 *
 * The index replaces the trigram index on the raw title, which no query has used since
 * searches compare folded texts: bulk imports still maintain one trigram index on titles.
 */
export class ActivityTitleSearch1796184913509 implements MigrationInterface {
  name = 'ActivityTitleSearch1796184913509';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    // Building the index reads every activity: longer than a request's statement timeout.
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`DROP INDEX activities_title_trgm_idx`);
    await db.query(`CREATE INDEX activities_title_fold_trgm_idx ON activities
      USING gin (search_fold(title) gin_trgm_ops)`);
    // On Citus a shard's query cannot call a function that reads a distributed table (the
    // call would run on the worker): there the lookup answers NULL, and searches compare the
    // rows on the shards as before.
    const citus =
      ((await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[]).length >
      0;
    await db.query(`
      CREATE FUNCTION search_activity_ids(p_pattern text) RETURNS uuid[]
      LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
      SET search_path = public
      AS $$ ${citus ? 'SELECT NULL::uuid[]' : LOOKUP} $$`);
    await db.query(`REVOKE ALL ON FUNCTION search_activity_ids(text) FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION search_activity_ids(text) TO dg_app`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`DROP FUNCTION search_activity_ids(text)`);
    await db.query(`DROP INDEX activities_title_fold_trgm_idx`);
    await db.query(`CREATE INDEX activities_title_trgm_idx ON activities
      USING gin (title gin_trgm_ops)`);
  }
}

/** More matches than this, and a page of rows is found faster by reading them in order. */
const MAX_IDS = 10_000;

/** The lookup: matching ids within the request's read scope, NULL past MAX_IDS. */
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
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
