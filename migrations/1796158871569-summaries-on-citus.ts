import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DisclosureControl1796156655380 } from './1796156655380-disclosure-control';

/**
 * The outcome module's database functions made to work when the tables are distributed over a
 * Citus cluster, with the same results and guarantees on plain PostgreSQL.
 *
 * - Summary maintenance. On Citus the statement-level triggers on measurements fire on the
 *   shards, on the worker that holds them, and the trigger function's statements on
 *   outcome_record_keys, measurements, outcome_series and outcome_totals are distributed
 *   queries again. They only ever concern the tenants of the firing statement's rows, which
 *   all live in that one shard, so they prune to co-located shards of the same node and run
 *   there by local execution, in the writer's transaction: they see its uncommitted rows and
 *   queue behind the same advisory locks as on plain PostgreSQL (one node holds all of a
 *   tenant's shards, so the locks serialize every writer of a tenant). Totals stay equal to a
 *   rebuild from rows and concurrent writers cannot double-count, as before. Citus refuses such
 *   nested execution unless `citus.allow_nested_distributed_execution` is on, which the trigger
 *   function now sets for itself (an unknown setting, meaning nothing, without Citus).
 * - New measurements get their record keys from variables, not from the transition table
 *   directly (see withKeysFromVariables).
 * - Citus cannot plan a call with parameters of a LANGUAGE sql function that reads its tables
 *   ("parameterized queries for SQL functions referencing distributed tables are not
 *   supported"): outcome_totals_rows, which the trigger calls, becomes PL/pgSQL (same query).
 * - request_disclosure_settings sets its settings with `SET LOCAL` instead of `set_config`, the
 *   form Citus propagates to the workers (sharing_agreements_in_force's join with
 *   request_aggregate_grants() runs there).
 */
export class SummariesOnCitus1796158871569 implements MigrationInterface {
  name = 'SummariesOnCitus1796158871569';

  public async up(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    await db.query(withKeysFromVariables(previous.seriesRefresh));
    await db.query(`ALTER FUNCTION outcome_series_refresh()
      SET citus.allow_nested_distributed_execution = on`);
    await db.query(inPlpgsql(previous.totalsRows));
    await db.query(withSetLocal(previous.disclosureSettings));
  }

  public async down(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    await db.query(previous.disclosureSettings);
    await db.query(previous.totalsRows);
    // Without the SET clause the up added.
    await db.query(previous.seriesRefresh);
  }
}

/**
 * The definitions this migration replaces, as their own (frozen) migration states them,
 * captured by running its `up` against a recorder; as CREATE OR REPLACE.
 */
async function previousStatements(): Promise<{
  seriesRefresh: string;
  totalsRows: string;
  disclosureSettings: string;
}> {
  const recorded: string[] = [];
  const recorder = {
    query: (sql: string) => {
      recorded.push(sql.trim());
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  await new DisclosureControl1796156655380().up(recorder);
  const find = (name: string) => {
    const sql = recorded.find((s) =>
      new RegExp(`^CREATE (OR REPLACE )?FUNCTION ${name}\\(`).test(s),
    );
    if (!sql) throw new Error(`No definition of ${name} in the disclosure-control migration`);
    return sql.replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');
  };
  return {
    seriesRefresh: find('outcome_series_refresh'),
    totalsRows: find('outcome_totals_rows'),
    disclosureSettings: find('request_disclosure_settings'),
  };
}

/** Replaces `from` by `to` in `sql`, which must contain it exactly once. */
function replaceOnce(sql: string, from: string | RegExp, to: string): string {
  const count = sql.split(from).length - 1;
  if (count !== 1) throw new Error(`Expected one ${String(from)} in ${sql.slice(0, 80)}…`);
  return sql.replace(from, to);
}

/** outcome_totals_rows, same query, in PL/pgSQL. */
function inPlpgsql(sql: string): string {
  const [head, body] = sql.split(/AS \$\$/) as [string, string];
  const query = replaceOnce(body, /\$\$\s*$/, '').trim();
  const plpgsql = replaceOnce(
    replaceOnce(head, /-- No SET clause[^\n]*\n/, ''),
    'LANGUAGE sql STABLE',
    'LANGUAGE plpgsql STABLE',
  );
  return `${plpgsql}AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY ${query};
  END
  $$`;
}

/** request_disclosure_settings setting its settings by `SET LOCAL` (quoted literals). */
function withSetLocal(sql: string): string {
  return replaceOnce(
    sql,
    /PERFORM set_config\('app\.principal'[\s\S]*?true\);/,
    `EXECUTE format('SET LOCAL app.principal = %L', coalesce(v_principal, ''));
    EXECUTE format('SET LOCAL app.aggregate_grants = %L', coalesce(v_grants, ''));
    EXECUTE format('SET LOCAL app.request_id = %L', coalesce(p_request_id, ''));
    EXECUTE format('SET LOCAL app.client_request_id = %L', coalesce(p_client_request_id, ''));`,
  );
}

/**
 * outcome_series_refresh giving new measurements their record keys from variables rather than
 * straight from the transition table: Citus plans an INSERT … SELECT into a distributed table
 * apart from the trigger, where the transition table does not exist ("executor could not find
 * named tuplestore").
 */
function withKeysFromVariables(sql: string): string {
  const declared = replaceOnce(
    sql,
    'v_tenant uuid[]; v_project uuid[]; v_indicator uuid[];',
    'v_tenant uuid[]; v_project uuid[]; v_indicator uuid[]; v_new_tenant uuid[]; v_new_id uuid[];',
  );
  return replaceOnce(
    declared,
    /INSERT INTO outcome_record_keys \(tenant_id, measurement_id, record_key\)\s+SELECT n\.tenant_id, n\.id, new_record_key\(\) FROM new_rows n\s+ON CONFLICT DO NOTHING;/,
    `SELECT array_agg(n.tenant_id), array_agg(n.id) INTO v_new_tenant, v_new_id FROM new_rows n;
      INSERT INTO outcome_record_keys (tenant_id, measurement_id, record_key)
      SELECT k.t, k.m, new_record_key() FROM unnest(v_new_tenant, v_new_id) AS k (t, m)
      ON CONFLICT DO NOTHING;`,
  );
}
