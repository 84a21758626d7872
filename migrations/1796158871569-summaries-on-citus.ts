import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Summary maintenance that also works when measurements is distributed over a Citus cluster.
 *
 * On Citus the statement-level triggers on measurements fire on the shards, on the worker that
 * holds them, and the trigger function's statements on outcome_record_keys, measurements,
 * outcome_series and outcome_totals are distributed queries again. They only ever concern the
 * tenants of the rows of the firing statement, which live in that one shard, so they prune to
 * the co-located shards of the same node and run there by local execution, in the writer's
 * transaction: they see its uncommitted rows and take their turn under the same advisory locks
 * as on plain PostgreSQL (one node holds all of a tenant's shards, so the locks serialize every
 * writer of a tenant). Citus refuses such nested execution unless
 * `citus.allow_nested_distributed_execution` is on, which the function now sets for itself
 * (an unknown setting on plain PostgreSQL, where it means nothing).
 *
 * Citus also cannot plan a call, with parameters, of a LANGUAGE sql function reading its tables
 * ("parameterized queries for SQL functions referencing distributed tables are not supported"):
 * outcome_totals_rows, which the trigger calls, becomes PL/pgSQL with the same query.
 */
export class SummariesOnCitus1796158871569 implements MigrationInterface {
  name = 'SummariesOnCitus1796158871569';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER FUNCTION outcome_series_refresh()
      SET citus.allow_nested_distributed_execution = on`);
    await db.query(totalsRows('plpgsql'));
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(totalsRows('sql'));
    await db.query(`ALTER FUNCTION outcome_series_refresh()
      RESET citus.allow_nested_distributed_execution`);
  }
}

const TOTALS_QUERY = `
  SELECT s.tenant_id, s.indicator_id, s.sex, s.year, sum(s.baseline_sum),
         sum(s.baseline_n)::bigint, sum(s.latest_sum), sum(s.latest_n)::bigint,
         (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int,
         (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int
    FROM (SELECT DISTINCT * FROM unnest(p_tenant, p_indicator)) AS k (t, i)
    JOIN outcome_series s ON s.tenant_id = k.t AND s.indicator_id = k.i
   GROUP BY s.tenant_id, s.indicator_id, s.sex, s.year`;

/** outcome_totals_rows in PL/pgSQL, or in SQL as migrations/1795755933619 wrote it. */
function totalsRows(language: 'plpgsql' | 'sql'): string {
  return `
    CREATE OR REPLACE FUNCTION outcome_totals_rows(p_tenant uuid[], p_indicator uuid[])
    RETURNS TABLE (tenant_id uuid, indicator_id uuid, sex text, year integer,
      baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
      baseline_communities integer, latest_communities integer)
    LANGUAGE ${language} STABLE
    AS \$\$
    ${language === 'sql' ? TOTALS_QUERY : `#variable_conflict use_column
    BEGIN
      RETURN QUERY ${TOTALS_QUERY};
    END`}
    \$\$`;
}
