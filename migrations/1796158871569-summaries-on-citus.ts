import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DisclosureControl1796156655380 } from './1796156655380-disclosure-control';

/**
 * The outcome module's database functions made to work when the tables are distributed over a
 * Citus cluster, with the same results and guarantees on plain PostgreSQL.
 *
 * - Summary maintenance. On Citus the statement-level triggers on measurements fire on the
 *   shards, on the worker that holds them; a statement there on the distributed tables would
 *   be a distributed query from a shard, which Citus refuses (and, allowed, would run over
 *   connections of its own, outside the writer's transaction). All rows of the firing statement
 *   live in that one shard, and so do their series and totals, in the co-located shards of
 *   outcome_record_keys, outcome_series and outcome_totals (same hash range, same node). The
 *   trigger function finds them in Citus's metadata and maintains them directly, as plain
 *   local tables in the writer's transaction; on plain PostgreSQL it maintains the tables
 *   themselves. outcome_series_rows and outcome_totals_rows take the tables to read as
 *   arguments (by default the tables themselves). The same advisory locks serialize writers of
 *   a tenant's indicator (one node holds all of a tenant's shards), so totals still equal a
 *   rebuild from rows and concurrent writers cannot double-count.
 * - outcome_totals_rows is PL/pgSQL: Citus cannot plan a call with parameters of a LANGUAGE sql
 *   function that reads its tables.
 * - outcome_cells finds each pair's rules with inner joins and DISTINCT ON instead of a LEFT
 *   JOIN LATERAL over unnest() ("cannot perform a lateral outer join when a distributed
 *   subquery references a table function"), the same choice of agreement.
 * - request_disclosure_settings sets its settings with `SET LOCAL` instead of `set_config`, the
 *   form Citus propagates to the workers (sharing_agreements_in_force's join with
 *   request_aggregate_grants() runs there).
 */
export class SummariesOnCitus1796158871569 implements MigrationInterface {
  name = 'SummariesOnCitus1796158871569';

  public async up(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    await db.query(`DROP FUNCTION ${PREVIOUS_SERIES_ROWS}`);
    await db.query(SERIES_ROWS);
    await db.query(`DROP FUNCTION ${PREVIOUS_TOTALS_ROWS}`);
    await db.query(TOTALS_ROWS);
    for (const fn of [SERIES_ROWS_SIGNATURE, TOTALS_ROWS_SIGNATURE]) {
      await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    }
    await db.query(SERIES_REFRESH);
    await db.query(withSetLocal(previous.disclosureSettings));
    await db.query(withRulesByJoins(previous.outcomeCells));
  }

  public async down(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    await db.query(previous.outcomeCells);
    await db.query(previous.disclosureSettings);
    await db.query(previous.seriesRefresh);
    await db.query(`DROP FUNCTION ${TOTALS_ROWS_SIGNATURE}`);
    await db.query(previous.totalsRows);
    await db.query(`DROP FUNCTION ${SERIES_ROWS_SIGNATURE}`);
    await db.query(previous.seriesRows);
    for (const fn of [PREVIOUS_SERIES_ROWS, PREVIOUS_TOTALS_ROWS]) {
      await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    }
  }
}

const PREVIOUS_SERIES_ROWS =
  'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[])';
const SERIES_ROWS_SIGNATURE =
  'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[], text, text)';
const PREVIOUS_TOTALS_ROWS = 'outcome_totals_rows(uuid[], uuid[])';
const TOTALS_ROWS_SIGNATURE = 'outcome_totals_rows(uuid[], uuid[], text)';

/**
 * The definitions this migration replaces, as their own (frozen) migration states them,
 * captured by running its `up` against a recorder; as CREATE OR REPLACE.
 */
async function previousStatements(): Promise<{
  seriesRows: string;
  seriesRefresh: string;
  totalsRows: string;
  disclosureSettings: string;
  outcomeCells: string;
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
    seriesRows: find('outcome_series_rows'),
    seriesRefresh: find('outcome_series_refresh'),
    totalsRows: find('outcome_totals_rows'),
    disclosureSettings: find('request_disclosure_settings'),
    outcomeCells: find('outcome_cells'),
  };
}

/** Replaces `from` by `to` in `sql`, which must contain it exactly once. */
function replaceOnce(sql: string, from: string | RegExp, to: string): string {
  const count = sql.split(from).length - 1;
  if (count !== 1) throw new Error(`Expected one ${String(from)} in ${sql.slice(0, 80)}…`);
  return sql.replace(from, to);
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

/** 2^48, as in the disclosure-control migration: key sums are taken modulo this. */
const KEY_MODULUS = '281474976710656';

/**
 * outcome_series_rows as the disclosure-control migration defines it, reading the tables it is
 * given (by default the distributed ones; the trigger passes a shard's co-located shards).
 */
const SERIES_ROWS = `
  CREATE FUNCTION outcome_series_rows(
    p_tenant_ids uuid[], p_by_year boolean, p_from date, p_to date,
    p_series_tenant uuid[] DEFAULT NULL, p_series_project uuid[] DEFAULT NULL,
    p_series_indicator uuid[] DEFAULT NULL, p_measurements text DEFAULT 'measurements',
    p_record_keys text DEFAULT 'outcome_record_keys')
  RETURNS TABLE (tenant_id uuid, project_id uuid, community_id uuid, indicator_id uuid,
    sex text, year integer, baseline_sum numeric, baseline_n bigint, latest_sum numeric,
    latest_n bigint, baseline_key bigint, latest_key bigint)
  LANGUAGE plpgsql STABLE
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  BEGIN
    RETURN QUERY EXECUTE format($q$
    WITH m AS (
      SELECT m.tenant_id, m.id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
             m.measured_on, m.value, m.sample_size,
             CASE WHEN $2 THEN extract(year FROM m.measured_on)::int END AS year
        FROM %1$I m
       WHERE $5 IS NULL AND m.tenant_id = ANY ($1)
         AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
         AND ($3 IS NULL OR m.measured_on >= $3)
         AND ($4 IS NULL OR m.measured_on <= $4)
      UNION ALL
      SELECT m.tenant_id, m.id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
             m.measured_on, m.value, m.sample_size,
             CASE WHEN $2 THEN extract(year FROM m.measured_on)::int END AS year
        FROM unnest($5, $6, $7) AS k (t, p, i)
        JOIN %1$I m ON m.tenant_id = k.t AND m.project_id = k.p AND m.indicator_id = k.i
       WHERE $5 IS NOT NULL AND m.tenant_id = ANY ($1)
         AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
         AND ($3 IS NULL OR m.measured_on >= $3)
         AND ($4 IS NULL OR m.measured_on <= $4)
    ), ranked AS (
      SELECT m.*, rank() OVER (
               PARTITION BY m.tenant_id, m.project_id, m.community_id, m.indicator_id, m.sex,
                            m.year, m.period = 'BASELINE'
               ORDER BY m.period = 'ENDLINE' DESC, m.measured_on DESC) AS r
        FROM m
    )
    SELECT r.tenant_id, r.project_id, r.community_id, r.indicator_id, r.sex, r.year,
           sum(r.value * r.sample_size) FILTER (WHERE r.period = 'BASELINE'),
           sum(r.sample_size) FILTER (WHERE r.period = 'BASELINE'),
           sum(r.value * r.sample_size) FILTER (WHERE r.period <> 'BASELINE' AND r.r = 1),
           sum(r.sample_size) FILTER (WHERE r.period <> 'BASELINE' AND r.r = 1),
           (sum(k.record_key) FILTER (WHERE r.period = 'BASELINE') %% ${KEY_MODULUS})::bigint,
           (sum(k.record_key) FILTER (WHERE r.period <> 'BASELINE' AND r.r = 1)
             %% ${KEY_MODULUS})::bigint
      FROM ranked r
      LEFT JOIN %2$I k ON k.tenant_id = r.tenant_id AND k.measurement_id = r.id
     GROUP BY r.tenant_id, r.project_id, r.community_id, r.indicator_id, r.sex, r.year
    $q$, p_measurements, p_record_keys)
    USING p_tenant_ids, p_by_year, p_from, p_to, p_series_tenant, p_series_project,
          p_series_indicator;
  END
  $$`;

/** outcome_totals_rows likewise, in PL/pgSQL over the series table it is given. */
const TOTALS_ROWS = `
  CREATE FUNCTION outcome_totals_rows(p_tenant uuid[], p_indicator uuid[],
    p_series text DEFAULT 'outcome_series')
  RETURNS TABLE (tenant_id uuid, indicator_id uuid, sex text, year integer,
    baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
    baseline_communities integer, latest_communities integer, baseline_key bigint,
    latest_key bigint)
  LANGUAGE plpgsql STABLE
  SET search_path = public
  AS $$
  BEGIN
    RETURN QUERY EXECUTE format($q$
    SELECT s.tenant_id, s.indicator_id, s.sex, s.year, sum(s.baseline_sum),
           sum(s.baseline_n)::bigint, sum(s.latest_sum), sum(s.latest_n)::bigint,
           (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int,
           (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int,
           (sum(s.baseline_key) %% ${KEY_MODULUS})::bigint,
           (sum(s.latest_key) %% ${KEY_MODULUS})::bigint
      FROM (SELECT DISTINCT * FROM unnest($1, $2)) AS k (t, i)
      JOIN %I s ON s.tenant_id = k.t AND s.indicator_id = k.i
     GROUP BY s.tenant_id, s.indicator_id, s.sex, s.year
    $q$, p_series)
    USING p_tenant, p_indicator;
  END
  $$`;

/**
 * The trigger of the disclosure-control migration, maintaining the tables next to the one it
 * fires on: on plain PostgreSQL the tables themselves, on a Citus worker the shards co-located
 * with the firing shard of measurements (same hash range), found in Citus's metadata.
 */
const SERIES_REFRESH = `
  CREATE OR REPLACE FUNCTION outcome_series_refresh() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  DECLARE
    v_tenant uuid[]; v_project uuid[]; v_indicator uuid[];
    v_new_tenant uuid[]; v_new_id uuid[];
    v_keys text := 'outcome_record_keys';
    v_series text := 'outcome_series';
    v_totals text := 'outcome_totals';
  BEGIN
    IF TG_TABLE_NAME <> 'measurements' THEN
      SELECT max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'outcome_record_keys'::regclass),
             max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'outcome_series'::regclass),
             max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'outcome_totals'::regclass)
        INTO v_keys, v_series, v_totals
        FROM pg_dist_shard m
        JOIN pg_dist_shard o ON o.shardminvalue = m.shardminvalue
       WHERE m.logicalrelid = 'measurements'::regclass
         AND shard_name(m.logicalrelid, m.shardid) = TG_TABLE_NAME
         AND o.logicalrelid IN ('outcome_record_keys'::regclass, 'outcome_series'::regclass,
                                'outcome_totals'::regclass);
      IF v_keys IS NULL OR v_series IS NULL OR v_totals IS NULL THEN
        RAISE EXCEPTION 'outcome_series_refresh: no co-located shards of %', TG_TABLE_NAME;
      END IF;
    END IF;
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(n.tenant_id), array_agg(n.id) INTO v_new_tenant, v_new_id FROM new_rows n;
      EXECUTE format('INSERT INTO %I (tenant_id, measurement_id, record_key)
        SELECT k.t, k.m, new_record_key() FROM unnest($1, $2) AS k (t, m)
        ON CONFLICT DO NOTHING', v_keys) USING v_new_tenant, v_new_id;
      SELECT array_agg(t), array_agg(p), array_agg(i) INTO v_tenant, v_project, v_indicator
        FROM (SELECT DISTINCT tenant_id, project_id, indicator_id FROM new_rows) AS k (t, p, i);
    ELSIF TG_OP = 'DELETE' THEN
      SELECT array_agg(t), array_agg(p), array_agg(i) INTO v_tenant, v_project, v_indicator
        FROM (SELECT DISTINCT tenant_id, project_id, indicator_id FROM old_rows) AS k (t, p, i);
    ELSE
      SELECT array_agg(t), array_agg(p), array_agg(i) INTO v_tenant, v_project, v_indicator
        FROM (SELECT tenant_id, project_id, indicator_id FROM new_rows
              UNION SELECT tenant_id, project_id, indicator_id FROM old_rows) AS k (t, p, i);
    END IF;
    IF v_tenant IS NULL THEN RETURN NULL; END IF;
    PERFORM pg_advisory_xact_lock(k.key)
       FROM (SELECT DISTINCT hashtextextended(q.t::text || ':' || q.i::text, 1795755933619) AS key
               FROM unnest(v_tenant, v_indicator) AS q (t, i) ORDER BY 1) AS k;
    EXECUTE format('DELETE FROM %I s WHERE (s.tenant_id, s.project_id, s.indicator_id) IN (
        SELECT * FROM unnest($1, $2, $3))', v_series) USING v_tenant, v_project, v_indicator;
    -- Ids drawn explicitly: a shard has no identity default of its own (the table's sequence
    -- gives each node its own range on Citus).
    EXECUTE format('INSERT INTO %I (id, tenant_id, project_id, community_id, indicator_id, sex,
        year, baseline_sum, baseline_n, latest_sum, latest_n, baseline_key, latest_key)
      OVERRIDING SYSTEM VALUE
      SELECT nextval(%L), r.* FROM (
        SELECT * FROM outcome_series_rows($1, false, NULL, NULL, $1, $2, $3, %L, %L)
        UNION ALL
        SELECT * FROM outcome_series_rows($1, true, NULL, NULL, $1, $2, $3, %L, %L)) r',
      v_series, pg_get_serial_sequence('outcome_series', 'id'), TG_TABLE_NAME, v_keys,
      TG_TABLE_NAME, v_keys)
      USING v_tenant, v_project, v_indicator;
    EXECUTE format('DELETE FROM %I o WHERE (o.tenant_id, o.indicator_id) IN (
        SELECT * FROM unnest($1, $2))', v_totals) USING v_tenant, v_indicator;
    EXECUTE format('INSERT INTO %I (id, tenant_id, indicator_id, sex, year, baseline_sum,
        baseline_n, latest_sum, latest_n, baseline_communities, latest_communities,
        baseline_key, latest_key)
      OVERRIDING SYSTEM VALUE
      SELECT nextval(%L), r.* FROM outcome_totals_rows($1, $2, %L) r',
      v_totals, pg_get_serial_sequence('outcome_totals', 'id'), v_series)
      USING v_tenant, v_indicator;
    RETURN NULL;
  END
  $$`;

/** outcome_cells choosing each pair's rules by joins Citus can plan (same agreements, same order). */
function withRulesByJoins(sql: string): string {
  const declared = replaceOnce(
    sql,
    'v_k integer[]; v_d integer[]; v_v numeric[]; v_dv numeric[];',
    'v_k integer[]; v_d integer[]; v_v numeric[]; v_dv numeric[]; v_chosen_recipient uuid;',
  );
  return replaceOnce(
    declared,
    / {4}SELECT array_agg\(q\.t\), array_agg\(q\.i\), array_agg\(x\.id\), array_agg\(x\.recipient\),[\s\S]*?\) c ORDER BY c\.k DESC, c\.d DESC, c\.v DESC, c\.dv DESC, c\.id LIMIT 1\) x ON true;/,
    `    -- A chosen agreement chooses its recipient; among that recipient's agreements the
    -- strictest applies, so that one cell never gets two draws.
    v_chosen_recipient := (SELECT c.recipient_organisation_id FROM sharing_agreements c
                            WHERE c.id = p_agreement_id);
    WITH q AS (
      SELECT DISTINCT * FROM unnest(p_pair_tenant, p_pair_indicator) AS q (t, i)
    ), candidates AS (
      SELECT q.t, q.i, a.id, a.recipient_organisation_id AS recipient,
             greatest(a.min_cell_size, tn.min_cell_size) AS k, a.max_deviation AS d,
             a.deviation_variance AS v, a.value_deviation AS dv
        FROM q
        JOIN sharing_agreements a ON a.tenant_id = q.t AND q.i = ANY (a.indicator_ids)
        JOIN tenants tn ON tn.id = a.tenant_id
       WHERE p_preview AND array_remove(p_group_by, 'INDICATOR') <@ a.allowed_group_by
         AND a.id = p_agreement_id AND q.t = ANY (v_readable)
      UNION ALL
      SELECT q.t, q.i, a.id, a.recipient_organisation_id,
             greatest(a.min_cell_size, tn.min_cell_size), a.max_deviation,
             a.deviation_variance, a.value_deviation
        FROM q
        JOIN sharing_agreements a ON a.tenant_id = q.t AND q.i = ANY (a.indicator_ids)
        JOIN tenants tn ON tn.id = a.tenant_id
        JOIN request_aggregate_grants() g
          ON g.tenant_id = a.tenant_id AND g.organisation_id = a.recipient_organisation_id
       WHERE NOT p_preview AND array_remove(p_group_by, 'INDICATOR') <@ a.allowed_group_by
         AND (p_agreement_id IS NULL OR a.recipient_organisation_id = v_chosen_recipient)
         AND a.revoked_at IS NULL AND a.valid_from <= now()
         AND (a.expires_at IS NULL OR a.expires_at > now())
      UNION ALL
      -- A preview without an agreement: the tenant's k and the default parameters.
      SELECT q.t, q.i, NULL::uuid, NULL::uuid, tn.min_cell_size, 2, 1::numeric, 2::numeric
        FROM q JOIN tenants tn ON tn.id = q.t
       WHERE p_preview AND p_agreement_id IS NULL AND q.t = ANY (v_readable)
    ), best AS (
      SELECT DISTINCT ON (c.t, c.i) c.* FROM candidates c
       ORDER BY c.t, c.i, c.k DESC, c.d DESC, c.v DESC, c.dv DESC, c.id
    )
    SELECT array_agg(q.t), array_agg(q.i), array_agg(x.id), array_agg(x.recipient),
           array_agg(x.k), array_agg(x.d), array_agg(x.v), array_agg(x.dv)
      INTO v_t, v_i, v_agreement, v_recipient, v_k, v_d, v_v, v_dv
      FROM q LEFT JOIN best x ON x.t = q.t AND x.i = q.i;`,
  );
}
