import type { MigrationInterface, QueryRunner } from 'typeorm';
import { OutcomeAggregates1795755933619 } from './1795755933619-outcome-aggregates';

/**
 * Disclosure control that holds over any sequence of requests (docs/disclosure-control.md):
 * the cell-key method, enforced by the database from the request's own settings.
 *
 * - Every measurement gets a random record key (outcome_record_keys), which nothing outside
 *   the SECURITY DEFINER functions can read. outcome_series and outcome_totals keep, beside
 *   their sums, the sum of their records' keys (mod 2^48) for the baseline and the latest side.
 * - A cell's key is the sum of its records' keys, so the same records give the same key in
 *   every table, request and grouping order; one record more or less gives an unrelated key.
 *   From it a perturbation table (cell_key_deviation) draws a bounded integer deviation for the
 *   respondent and community counts, and a bounded deviation of the mean worth at most
 *   value_deviation respondents (the numerator is perturbed, the true denominator kept).
 * - outcome_cells reads the principal, its analyst grants (tenant, organisation) and the
 *   server's request id from the transaction's settings (request_disclosure_settings, run by
 *   the request preamble as the owner), never from arguments. When any tenant of a request is
 *   one the caller cannot read row by row, or for a preview, every cell is governed: it takes
 *   the parameters of the agreements in force for those grants, suppresses cells under k
 *   respondents or 3 communities (true or perturbed), perturbs the rest and writes the
 *   AGGREGATE_READ audit rows itself. Complementary suppression is gone (see the document).
 * - record_aggregate_read, which wrote whatever tenant and principal it was given, is dropped;
 *   sharing_agreements_in_force takes no argument any more.
 * - Agreements carry their perturbation parameters; audit rows the client's X-Request-Id apart
 *   from the server's request id.
 */
export class DisclosureControl1796156655380 implements MigrationInterface {
  name = 'DisclosureControl1796156655380';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE sharing_agreements
      ADD COLUMN max_deviation integer NOT NULL DEFAULT 2,
      ADD COLUMN deviation_variance numeric NOT NULL DEFAULT 1,
      ADD COLUMN value_deviation numeric NOT NULL DEFAULT 2`);
    // The perturbation table gives 0 with probability 1 − 2·D·q and each other deviation in
    // [−D, D] with q = 3V / (D(D+1)(2D+1)): only a variance up to (D+1)(2D+1)/6 fits.
    await db.query(`ALTER TABLE sharing_agreements
      ADD CONSTRAINT sharing_agreements_max_deviation_check CHECK (max_deviation BETWEEN 1 AND 10),
      ADD CONSTRAINT sharing_agreements_deviation_variance_check CHECK (deviation_variance > 0
        AND deviation_variance <= (max_deviation + 1) * (2 * max_deviation + 1) / 6.0),
      ADD CONSTRAINT sharing_agreements_value_deviation_check CHECK (value_deviation > 0
        AND value_deviation <= 50)`);

    await db.query(`ALTER TABLE audit_events ADD COLUMN client_request_id text`);

    await db.query(`
      CREATE TABLE outcome_record_keys (
        tenant_id uuid NOT NULL,
        measurement_id uuid NOT NULL,
        record_key bigint NOT NULL,
        PRIMARY KEY (tenant_id, measurement_id),
        CONSTRAINT outcome_record_keys_measurement_fkey FOREIGN KEY (tenant_id, measurement_id)
          REFERENCES measurements (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(`ALTER TABLE outcome_record_keys ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE outcome_record_keys FORCE ROW LEVEL SECURITY`);
    // dg_app holds no privilege on it at all; the policy is there for completeness.
    await db.query(`CREATE POLICY tenant_isolation ON outcome_record_keys
      USING (tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);
    // 48 random bits from the operating system's generator (gen_random_uuid), not random().
    await db.query(`
      CREATE FUNCTION new_record_key() RETURNS bigint
      LANGUAGE sql VOLATILE
      AS $$ SELECT ('x' || substr(md5(gen_random_uuid()::text), 1, 12))::bit(48)::bigint $$`);
    await db.query(`INSERT INTO outcome_record_keys (tenant_id, measurement_id, record_key)
      SELECT tenant_id, id, new_record_key() FROM measurements`);

    for (const table of ['outcome_series', 'outcome_totals']) {
      await db.query(`ALTER TABLE ${table} ADD COLUMN baseline_key bigint,
        ADD COLUMN latest_key bigint`);
    }
    await db.query(`DROP INDEX outcome_series_totals_idx`);
    await db.query(`CREATE INDEX outcome_series_totals_idx ON outcome_series (tenant_id, indicator_id)
      INCLUDE (project_id, community_id, baseline_sum, baseline_n, latest_sum, latest_n,
               baseline_key, latest_key)
      WHERE year IS NULL AND sex IS NULL`);

    await db.query(
      `DROP FUNCTION outcome_cells(uuid, uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])`,
    );
    await db.query(
      `DROP FUNCTION record_aggregate_read(uuid[], uuid[], text, text, text, uuid, jsonb)`,
    );
    await db.query(`DROP FUNCTION sharing_agreements_in_force(uuid[])`);
    await db.query(
      `DROP FUNCTION outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[])`,
    );
    await db.query(`DROP FUNCTION outcome_totals_rows(uuid[], uuid[])`);

    for (const statement of FUNCTIONS) await db.query(statement);

    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`TRUNCATE outcome_series, outcome_totals`);
    await db.query(`
      INSERT INTO outcome_series (tenant_id, project_id, community_id, indicator_id, sex, year,
             baseline_sum, baseline_n, latest_sum, latest_n, baseline_key, latest_key)
      SELECT * FROM outcome_series_rows(ARRAY(SELECT id FROM tenants), false, NULL, NULL)
      UNION ALL
      SELECT * FROM outcome_series_rows(ARRAY(SELECT id FROM tenants), true, NULL, NULL)`);
    await db.query(`
      INSERT INTO outcome_totals (tenant_id, indicator_id, sex, year, baseline_sum, baseline_n,
             latest_sum, latest_n, baseline_communities, latest_communities, baseline_key,
             latest_key)
      SELECT * FROM outcome_totals_rows(
        ARRAY(SELECT t.id FROM tenants t CROSS JOIN indicators i ORDER BY t.id, i.id),
        ARRAY(SELECT i.id FROM tenants t CROSS JOIN indicators i ORDER BY t.id, i.id))`);

    for (const fn of NEW_FUNCTIONS) await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    for (const fn of APPLICATION_FUNCTIONS) {
      await db.query(`GRANT EXECUTE ON FUNCTION ${fn} TO dg_app`);
    }
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const fn of NEW_FUNCTIONS.filter((f) => !f.startsWith('outcome_series_refresh'))) {
      await db.query(`DROP FUNCTION ${fn}`);
    }
    // The earlier definitions, as their own (frozen) migration states them: replayed rather
    // than copied here.
    for (const statement of await previousStatements()) await db.query(statement);
    await db.query(`DROP INDEX outcome_series_totals_idx`);
    await db.query(`CREATE INDEX outcome_series_totals_idx ON outcome_series (tenant_id, indicator_id)
      INCLUDE (project_id, community_id, baseline_sum, baseline_n, latest_sum, latest_n)
      WHERE year IS NULL AND sex IS NULL`);
    for (const table of ['outcome_series', 'outcome_totals']) {
      await db.query(`ALTER TABLE ${table} DROP COLUMN baseline_key, DROP COLUMN latest_key`);
    }
    await db.query(`DROP TABLE outcome_record_keys`);
    await db.query(`ALTER TABLE audit_events DROP COLUMN client_request_id`);
    await db.query(`ALTER TABLE sharing_agreements DROP COLUMN max_deviation,
      DROP COLUMN deviation_variance, DROP COLUMN value_deviation`);
  }
}

/**
 * The statements of the outcome-aggregates migration that defined the functions this one
 * replaces (and their grants), captured by running its `up` against a recorder.
 */
async function previousStatements(): Promise<string[]> {
  const recorded: string[] = [];
  const recorder = {
    query: (sql: string) => {
      recorded.push(sql);
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  await new OutcomeAggregates1795755933619().up(recorder);
  const names = [
    'outcome_series_rows',
    'outcome_totals_rows',
    'outcome_series_refresh',
    'sharing_agreements_in_force',
    'outcome_cells',
    'record_aggregate_read',
  ];
  const about = (sql: string, prefix: RegExp) =>
    names.some((name) => new RegExp(`${prefix.source}\\s+${name}\\(`).test(sql.trim()));
  return recorded
    .filter(
      (sql) =>
        about(sql, /^CREATE FUNCTION/) ||
        about(sql, /^REVOKE ALL ON FUNCTION/) ||
        about(sql, /^GRANT EXECUTE ON FUNCTION/),
    )
    .map((sql) =>
      sql.trim().startsWith('CREATE FUNCTION outcome_series_refresh(')
        ? sql.trim().replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION')
        : sql,
    );
}

/** 2^48: record and cell keys are sums of 48-bit keys modulo this. */
const KEY_MODULUS = '281474976710656';

const NEW_FUNCTIONS = [
  'new_record_key()',
  'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[])',
  'outcome_totals_rows(uuid[], uuid[])',
  'outcome_series_refresh()',
  'cell_key_uniform(bigint, text)',
  'cell_key_deviation(double precision, integer, numeric)',
  'request_aggregate_grants()',
  'request_disclosure_settings(text, text, text, text)',
  'sharing_agreements_in_force()',
  'outcome_raw_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])',
  'outcome_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean, uuid)',
];

/** What the application role may call: two narrow functions, nothing that writes as told. */
const APPLICATION_FUNCTIONS = [
  'sharing_agreements_in_force()',
  'outcome_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean, uuid)',
];

const FUNCTIONS = [
  // As before, plus the sums of the record keys of each side's rows.
  `CREATE FUNCTION outcome_series_rows(
    p_tenant_ids uuid[], p_by_year boolean, p_from date, p_to date,
    p_series_tenant uuid[] DEFAULT NULL, p_series_project uuid[] DEFAULT NULL,
    p_series_indicator uuid[] DEFAULT NULL)
  RETURNS TABLE (tenant_id uuid, project_id uuid, community_id uuid, indicator_id uuid,
    sex text, year integer, baseline_sum numeric, baseline_n bigint, latest_sum numeric,
    latest_n bigint, baseline_key bigint, latest_key bigint)
  LANGUAGE plpgsql STABLE
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    WITH m AS (
      SELECT m.tenant_id, m.id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
             m.measured_on, m.value, m.sample_size,
             CASE WHEN p_by_year THEN extract(year FROM m.measured_on)::int END AS year
        FROM measurements m
       WHERE p_series_tenant IS NULL AND m.tenant_id = ANY (p_tenant_ids)
         AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
         AND (p_from IS NULL OR m.measured_on >= p_from)
         AND (p_to IS NULL OR m.measured_on <= p_to)
      UNION ALL
      SELECT m.tenant_id, m.id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
             m.measured_on, m.value, m.sample_size,
             CASE WHEN p_by_year THEN extract(year FROM m.measured_on)::int END AS year
        FROM unnest(p_series_tenant, p_series_project, p_series_indicator) AS k (t, p, i)
        JOIN measurements m ON m.tenant_id = k.t AND m.project_id = k.p AND m.indicator_id = k.i
       WHERE p_series_tenant IS NOT NULL AND m.tenant_id = ANY (p_tenant_ids)
         AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
         AND (p_from IS NULL OR m.measured_on >= p_from)
         AND (p_to IS NULL OR m.measured_on <= p_to)
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
           (sum(k.record_key) FILTER (WHERE r.period = 'BASELINE') % ${KEY_MODULUS})::bigint,
           (sum(k.record_key) FILTER (WHERE r.period <> 'BASELINE' AND r.r = 1)
             % ${KEY_MODULUS})::bigint
      FROM ranked r
      LEFT JOIN outcome_record_keys k ON k.tenant_id = r.tenant_id AND k.measurement_id = r.id
     GROUP BY r.tenant_id, r.project_id, r.community_id, r.indicator_id, r.sex, r.year;
  END
  $$`,

  `CREATE FUNCTION outcome_totals_rows(p_tenant uuid[], p_indicator uuid[])
  RETURNS TABLE (tenant_id uuid, indicator_id uuid, sex text, year integer,
    baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
    baseline_communities integer, latest_communities integer, baseline_key bigint,
    latest_key bigint)
  -- No SET clause, so that it is inlined into its caller.
  LANGUAGE sql STABLE
  AS $$
    SELECT s.tenant_id, s.indicator_id, s.sex, s.year, sum(s.baseline_sum),
           sum(s.baseline_n)::bigint, sum(s.latest_sum), sum(s.latest_n)::bigint,
           (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int,
           (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int,
           (sum(s.baseline_key) % ${KEY_MODULUS})::bigint,
           (sum(s.latest_key) % ${KEY_MODULUS})::bigint
      FROM (SELECT DISTINCT * FROM unnest(p_tenant, p_indicator)) AS k (t, i)
      JOIN outcome_series s ON s.tenant_id = k.t AND s.indicator_id = k.i
     GROUP BY s.tenant_id, s.indicator_id, s.sex, s.year
  $$`,

  // As before, and a new measurement gets its record key first. An update keeps the key: the
  // record is the same, and its cells keep their counts' deviations.
  `CREATE OR REPLACE FUNCTION outcome_series_refresh() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  DECLARE
    v_tenant uuid[]; v_project uuid[]; v_indicator uuid[];
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO outcome_record_keys (tenant_id, measurement_id, record_key)
      SELECT n.tenant_id, n.id, new_record_key() FROM new_rows n
      ON CONFLICT DO NOTHING;
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
    DELETE FROM outcome_series s
     WHERE (s.tenant_id, s.project_id, s.indicator_id) IN (
             SELECT * FROM unnest(v_tenant, v_project, v_indicator));
    INSERT INTO outcome_series (tenant_id, project_id, community_id, indicator_id, sex, year,
           baseline_sum, baseline_n, latest_sum, latest_n, baseline_key, latest_key)
    SELECT * FROM outcome_series_rows(v_tenant, false, NULL, NULL, v_tenant, v_project, v_indicator)
    UNION ALL
    SELECT * FROM outcome_series_rows(v_tenant, true, NULL, NULL, v_tenant, v_project, v_indicator);
    DELETE FROM outcome_totals o
     WHERE (o.tenant_id, o.indicator_id) IN (SELECT * FROM unnest(v_tenant, v_indicator));
    INSERT INTO outcome_totals (tenant_id, indicator_id, sex, year, baseline_sum, baseline_n,
           latest_sum, latest_n, baseline_communities, latest_communities, baseline_key,
           latest_key)
    SELECT * FROM outcome_totals_rows(v_tenant, v_indicator);
    RETURN NULL;
  END
  $$`,

  // A uniform number in [0, 1) drawn from a cell key for one purpose (salt): the same key and
  // salt always give the same number, different salts unrelated ones.
  `CREATE FUNCTION cell_key_uniform(p_key bigint, p_salt text) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT (hashtextextended(p_key::text || ':' || p_salt, 0) & 281474976710655)::double precision
           / ${KEY_MODULUS}
  $$`,

  // The perturbation table: a uniform number to a deviation in [−D, D] with mean 0 and
  // variance V: 0 with probability 1 − 2·D·q, each of ±1 … ±D with probability q.
  `CREATE FUNCTION cell_key_deviation(p_u double precision, p_max integer, p_variance numeric)
  RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
    SELECT CASE WHEN p_u < c.zero THEN 0
                WHEN c.j < p_max THEN -(c.j + 1)
                ELSE c.j - p_max + 1 END
      FROM (SELECT z.zero, least(floor((p_u - z.zero) / z.q)::int, 2 * p_max - 1) AS j
              FROM (SELECT 1 - 2 * p_max * q.q AS zero, q.q
                      FROM (SELECT 3 * p_variance::double precision
                                   / (p_max * (p_max + 1) * (2 * p_max + 1)) AS q) q) z) c
  $$`,

  // The (tenant, organisation) pairs through which the request's principal reads aggregates
  // only, as the preamble set them.
  `CREATE FUNCTION request_aggregate_grants()
  RETURNS TABLE (tenant_id uuid, organisation_id uuid)
  LANGUAGE sql STABLE
  AS $$
    SELECT split_part(g, ':', 1)::uuid, split_part(g, ':', 2)::uuid
      FROM unnest(string_to_array(nullif(current_setting('app.aggregate_grants', true), ''), ','))
           AS g
  $$`,

  // Run by the request preamble as the owner (dg_app may not call it): who the principal is,
  // its aggregate grants, and the request ids, set for the transaction only.
  `CREATE FUNCTION request_disclosure_settings(p_credential text, p_subject text,
    p_request_id text, p_client_request_id text)
  RETURNS void
  LANGUAGE plpgsql
  SET search_path = public
  AS $$
  DECLARE
    v_principal text;
    v_grants text;
  BEGIN
    IF p_credential = 'jwt' THEN
      SELECT 'USER:' || u.id,
             (SELECT string_agg(DISTINCT m.tenant_id || ':' || m.organisation_id, ',')
                FROM memberships m
               WHERE m.user_id = u.id AND m.revoked_at IS NULL AND m.role = 'AGGREGATE_ANALYST')
        INTO v_principal, v_grants
        FROM users u WHERE u.subject = p_subject;
    ELSE
      SELECT 'API_KEY:' || k.id,
             CASE WHEN 'aggregate' = ANY (k.scopes) THEN
               (SELECT string_agg(DISTINCT m.tenant_id || ':' || k.organisation_id, ',')
                  FROM memberships m
                 WHERE m.organisation_id = k.organisation_id AND m.tenant_id = ANY (k.tenant_ids)
                   AND m.revoked_at IS NULL) END
        INTO v_principal, v_grants
        FROM api_keys k
       WHERE k.prefix = p_subject AND k.revoked_at IS NULL
         AND (k.expires_at IS NULL OR k.expires_at > now());
    END IF;
    PERFORM set_config('app.principal', coalesce(v_principal, ''), true),
            set_config('app.aggregate_grants', coalesce(v_grants, ''), true),
            set_config('app.request_id', coalesce(p_request_id, ''), true),
            set_config('app.client_request_id', coalesce(p_client_request_id, ''), true);
  END
  $$`,

  `CREATE FUNCTION sharing_agreements_in_force()
  RETURNS TABLE (tenant_id uuid, id uuid, recipient_organisation_id uuid,
    indicator_ids uuid[], indicator_codes text[], allowed_group_by text[], finest_level text,
    min_cell_size integer, max_deviation integer, deviation_variance numeric,
    value_deviation numeric)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = public
  AS $$
    -- Ids and codes in the same order (by code), so the service can pair them up.
    SELECT a.tenant_id, a.id, a.recipient_organisation_id,
           ARRAY(SELECT i.id FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code),
           ARRAY(SELECT i.code FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code),
           a.allowed_group_by, a.finest_level, greatest(a.min_cell_size, t.min_cell_size),
           a.max_deviation, a.deviation_variance, a.value_deviation
      FROM request_aggregate_grants() g
      JOIN sharing_agreements a
        ON a.tenant_id = g.tenant_id AND a.recipient_organisation_id = g.organisation_id
      JOIN tenants t ON t.id = a.tenant_id
     WHERE a.revoked_at IS NULL AND a.valid_from <= now()
       AND (a.expires_at IS NULL OR a.expires_at > now())
  $$`,

  // The true cells, as outcome_cells computed them before: sums, counts, distinct communities
  // and key sums per side. For outcome_cells only (dg_app may not call it).
  `CREATE FUNCTION outcome_raw_cells(
    p_pair_tenant uuid[], p_pair_indicator uuid[], p_scoped_tenants uuid[],
    p_scoped_projects uuid[], p_project_ids uuid[], p_community_ids uuid[], p_settlement text,
    p_from date, p_to date, p_group_by text[])
  RETURNS TABLE (tenant_id uuid, region text, project_id uuid, project_tenant_id uuid,
    community_id uuid, settlement text, sex text, year integer, indicator_id uuid,
    baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
    baseline_communities integer, latest_communities integer, baseline_key bigint,
    latest_key bigint)
  LANGUAGE plpgsql STABLE
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  #variable_conflict use_column
  DECLARE
    v_tenants uuid[] := ARRAY(SELECT DISTINCT unnest(p_pair_tenant));
    v_indicators uuid[] := ARRAY(SELECT DISTINCT unnest(p_pair_indicator));
    v_cross boolean := (SELECT count(DISTINCT (t, i)) FROM unnest(p_pair_tenant, p_pair_indicator) AS q (t, i))
                       = cardinality(v_tenants) * cardinality(v_indicators);
    v_by_year boolean := 'YEAR' = ANY (p_group_by);
    v_by_sex boolean := 'SEX' = ANY (p_group_by);
  BEGIN
    IF p_from IS NULL AND p_to IS NULL AND p_scoped_tenants IS NULL
       AND p_project_ids IS NULL AND p_community_ids IS NULL AND p_settlement IS NULL
       AND p_group_by <@ ARRAY['TENANT', 'INDICATOR', 'SEX', 'YEAR'] THEN
      RETURN QUERY
      SELECT CASE WHEN 'TENANT' = ANY (p_group_by) THEN o.tenant_id END, NULL::text, NULL::uuid,
             NULL::uuid, NULL::uuid, NULL::text, CASE WHEN v_by_sex THEN o.sex END, o.year,
             o.indicator_id, sum(o.baseline_sum), coalesce(sum(o.baseline_n), 0)::bigint,
             sum(o.latest_sum), coalesce(sum(o.latest_n), 0)::bigint,
             -- Tenants share no community, so their distinct counts add up.
             sum(o.baseline_communities)::int, sum(o.latest_communities)::int,
             (sum(o.baseline_key) % ${KEY_MODULUS})::bigint,
             (sum(o.latest_key) % ${KEY_MODULUS})::bigint
        FROM outcome_totals o
       WHERE o.tenant_id = ANY (v_tenants) AND o.indicator_id = ANY (v_indicators)
         AND (v_cross OR (o.tenant_id, o.indicator_id) IN (
               SELECT * FROM unnest(p_pair_tenant, p_pair_indicator)))
         AND ((v_by_year AND o.year IS NOT NULL) OR (NOT v_by_year AND o.year IS NULL))
         AND ((v_by_sex AND o.sex IS NOT NULL) OR (NOT v_by_sex AND o.sex IS NULL))
       GROUP BY 1, 7, 8, 9;
      RETURN;
    END IF;

    RETURN QUERY
    WITH s AS (
      SELECT s.tenant_id, s.project_id, s.community_id, s.indicator_id, s.sex, s.year,
             s.baseline_sum, s.baseline_n, s.latest_sum, s.latest_n, s.baseline_key, s.latest_key
        FROM outcome_series s
       WHERE p_from IS NULL AND p_to IS NULL
         AND s.tenant_id = ANY (v_tenants)
         AND ((v_by_year AND s.year IS NOT NULL) OR (NOT v_by_year AND s.year IS NULL))
         AND ((v_by_sex AND s.sex IS NOT NULL) OR (NOT v_by_sex AND s.sex IS NULL))
      UNION ALL
      SELECT r.* FROM outcome_series_rows(v_tenants, v_by_year, p_from, p_to) r
       WHERE p_from IS NOT NULL OR p_to IS NOT NULL
    )
    SELECT CASE WHEN 'TENANT' = ANY (p_group_by) THEN s.tenant_id END,
           CASE WHEN 'REGION' = ANY (p_group_by) THEN c.region END,
           CASE WHEN 'PROJECT' = ANY (p_group_by) THEN s.project_id END,
           -- A project's tenant, to find its name: one per project, so no extra split.
           CASE WHEN 'PROJECT' = ANY (p_group_by) THEN s.tenant_id END,
           CASE WHEN 'COMMUNITY' = ANY (p_group_by) THEN s.community_id END,
           CASE WHEN 'SETTLEMENT' = ANY (p_group_by) THEN c.settlement END,
           CASE WHEN v_by_sex THEN s.sex END,
           s.year, s.indicator_id,
           sum(s.baseline_sum), coalesce(sum(s.baseline_n), 0)::bigint,
           sum(s.latest_sum), coalesce(sum(s.latest_n), 0)::bigint,
           (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int,
           (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int,
           (sum(s.baseline_key) % ${KEY_MODULUS})::bigint,
           (sum(s.latest_key) % ${KEY_MODULUS})::bigint
      FROM s
      LEFT JOIN communities c ON c.tenant_id = s.tenant_id AND c.id = s.community_id
     WHERE s.indicator_id = ANY (v_indicators)
       AND (v_cross OR (s.tenant_id, s.indicator_id) IN (
             SELECT * FROM unnest(p_pair_tenant, p_pair_indicator)))
       AND ((v_by_sex AND s.sex IS NOT NULL) OR (NOT v_by_sex AND s.sex IS NULL))
       AND (p_scoped_tenants IS NULL OR NOT (s.tenant_id = ANY (p_scoped_tenants))
            OR s.project_id = ANY (p_scoped_projects))
       AND (p_project_ids IS NULL OR s.project_id = ANY (p_project_ids))
       AND (p_community_ids IS NULL OR s.community_id = ANY (p_community_ids))
       AND (p_settlement IS NULL OR c.settlement = p_settlement)
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
  END
  $$`,

  // The one way cells leave the database. Exact for a caller who reads every tenant asked for
  // row by row (p_pair_tenant ⊆ app.tenant_ids) and asks for no preview; otherwise governed:
  // every pair must fall under an agreement in force for the principal's grants (a preview:
  // under the given agreement of a tenant the caller reads, or the defaults), every cell is
  // suppressed or perturbed, and (not for a preview) the read is audited here.
  `CREATE FUNCTION outcome_cells(
    p_pair_tenant uuid[], p_pair_indicator uuid[], p_scoped_tenants uuid[],
    p_scoped_projects uuid[], p_project_ids uuid[], p_community_ids uuid[], p_settlement text,
    p_from date, p_to date, p_group_by text[], p_preview boolean, p_agreement_id uuid)
  RETURNS TABLE (tenant_id uuid, region text, project_id uuid, project_code text,
    project_name text, community_id uuid, settlement text, sex text, year integer,
    indicator_id uuid, indicator_tenant_id uuid, indicator_code text, indicator_name text,
    indicator_description text, indicator_unit text, indicator_direction text,
    indicator_version integer, baseline numeric, latest numeric, baseline_n bigint,
    latest_n bigint, baseline_communities integer, latest_communities integer,
    suppressed boolean, min_cell_size integer, max_deviation integer,
    deviation_variance numeric, value_deviation numeric)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = public
  SET plan_cache_mode = force_custom_plan
  AS $$
  #variable_conflict use_column
  DECLARE
    v_readable uuid[] := coalesce(app_tenant_ids(), '{}');
    v_principal text := nullif(current_setting('app.principal', true), '');
    v_governed boolean;
    v_t uuid[]; v_i uuid[]; v_agreement uuid[]; v_recipient uuid[];
    v_k integer[]; v_d integer[]; v_v numeric[]; v_dv numeric[];
  BEGIN
    IF p_group_by IS NULL OR p_preview IS NULL
       OR NOT p_group_by <@ ARRAY['TENANT', 'REGION', 'PROJECT', 'COMMUNITY', 'INDICATOR',
                                  'SETTLEMENT', 'SEX', 'YEAR']
       OR cardinality(p_pair_tenant) IS DISTINCT FROM cardinality(p_pair_indicator) THEN
      RAISE EXCEPTION 'outcome_cells: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_governed := p_preview
      OR EXISTS (SELECT 1 FROM unnest(p_pair_tenant) AS q (t) WHERE NOT (q.t = ANY (v_readable)));

    IF NOT v_governed THEN
      IF p_agreement_id IS NOT NULL THEN
        RAISE EXCEPTION 'outcome_cells: an agreement applies to governed reads only'
          USING ERRCODE = 'invalid_parameter_value';
      END IF;
      RETURN QUERY
      SELECT r.tenant_id, r.region, r.project_id, p.code, p.name, r.community_id, r.settlement,
             r.sex, r.year, r.indicator_id, i.tenant_id, i.code, i.name, i.description, i.unit,
             i.direction, i.version,
             r.baseline_sum / nullif(r.baseline_n, 0), r.latest_sum / nullif(r.latest_n, 0),
             r.baseline_n, r.latest_n, r.baseline_communities, r.latest_communities,
             false, NULL::int, NULL::int, NULL::numeric, NULL::numeric
        FROM outcome_raw_cells(p_pair_tenant, p_pair_indicator, p_scoped_tenants,
               p_scoped_projects, p_project_ids, p_community_ids, p_settlement, p_from, p_to,
               p_group_by) r
        JOIN indicators i ON i.id = r.indicator_id
        LEFT JOIN projects p ON p.tenant_id = r.project_tenant_id AND p.id = r.project_id;
      RETURN;
    END IF;

    -- Subsets of the analyst's choosing would let totals be subtracted into any cell.
    IF 'COMMUNITY' = ANY (p_group_by) OR p_project_ids IS NOT NULL
       OR p_community_ids IS NOT NULL OR p_settlement IS NOT NULL OR p_from IS NOT NULL
       OR p_to IS NOT NULL THEN
      RAISE EXCEPTION 'outcome_cells: governed aggregates are never by community nor over a chosen subset'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT p_preview AND v_principal IS NULL THEN
      RAISE EXCEPTION 'outcome_cells: the request names no principal'
        USING ERRCODE = 'insufficient_privilege';
    END IF;

    -- Each pair's rules: the covering agreement with the largest minimum cell size (then the
    -- largest deviations).
    SELECT array_agg(q.t), array_agg(q.i), array_agg(x.id), array_agg(x.recipient),
           array_agg(x.k), array_agg(x.d), array_agg(x.v), array_agg(x.dv)
      INTO v_t, v_i, v_agreement, v_recipient, v_k, v_d, v_v, v_dv
      FROM (SELECT DISTINCT * FROM unnest(p_pair_tenant, p_pair_indicator)) AS q (t, i)
      LEFT JOIN LATERAL (
        SELECT * FROM (
          SELECT a.id, a.recipient_organisation_id AS recipient,
                 greatest(a.min_cell_size, tn.min_cell_size) AS k, a.max_deviation AS d,
                 a.deviation_variance AS v, a.value_deviation AS dv
            FROM sharing_agreements a JOIN tenants tn ON tn.id = a.tenant_id
           WHERE a.tenant_id = q.t AND q.i = ANY (a.indicator_ids)
             AND array_remove(p_group_by, 'INDICATOR') <@ a.allowed_group_by
             AND CASE WHEN p_preview THEN a.id = p_agreement_id AND q.t = ANY (v_readable)
                 -- A chosen agreement chooses its recipient; among that recipient's
                 -- agreements the strictest applies, so that one cell never gets two draws.
                 ELSE (p_agreement_id IS NULL OR a.recipient_organisation_id = (
                         SELECT c.recipient_organisation_id FROM sharing_agreements c
                          WHERE c.id = p_agreement_id))
                   AND a.revoked_at IS NULL AND a.valid_from <= now()
                   AND (a.expires_at IS NULL OR a.expires_at > now())
                   AND EXISTS (SELECT 1 FROM request_aggregate_grants() g
                                WHERE g.tenant_id = a.tenant_id
                                  AND g.organisation_id = a.recipient_organisation_id) END
          UNION ALL
          -- A preview without an agreement: the tenant's k and the default parameters.
          SELECT NULL::uuid, NULL::uuid, tn.min_cell_size, 2, 1::numeric, 2::numeric
            FROM tenants tn
           WHERE p_preview AND p_agreement_id IS NULL AND tn.id = q.t AND q.t = ANY (v_readable)
        ) c ORDER BY c.k DESC, c.d DESC, c.v DESC, c.dv DESC, c.id LIMIT 1) x ON true;
    IF v_t IS NULL OR array_position(v_k, NULL) IS NOT NULL THEN
      RAISE EXCEPTION 'outcome_cells: no sharing agreement in force covers this request'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (SELECT count(DISTINCT r) FROM unnest(v_recipient) AS r) > 1 THEN
      RAISE EXCEPTION 'outcome_cells: one recipient organisation at a time'
        USING ERRCODE = 'insufficient_privilege';
    END IF;

    IF NOT p_preview THEN
      INSERT INTO audit_events (tenant_id, request_id, client_request_id, principal_kind,
             principal_id, organisation_id, action, entity_type, entity_id, details)
      SELECT q.t, nullif(current_setting('app.request_id', true), ''),
             nullif(current_setting('app.client_request_id', true), ''),
             split_part(v_principal, ':', 1), split_part(v_principal, ':', 2), q.recipient,
             'AGGREGATE_READ', 'SharingAgreement', q.agreement::text,
             jsonb_build_object('operation', 'outcomeSummaries', 'agreementId', q.agreement,
               'groupBy', to_jsonb(array_remove(p_group_by, 'INDICATOR')),
               'indicators', (SELECT jsonb_agg(i.code ORDER BY i.code) FROM indicators i
                               WHERE i.id = ANY (array_agg(q.i))),
               'minCellSize', q.k, 'maxDeviation', q.d, 'deviationVariance', q.v,
               'valueDeviation', q.dv)
        FROM unnest(v_t, v_i, v_agreement, v_recipient, v_k, v_d, v_v, v_dv)
             AS q (t, i, agreement, recipient, k, d, v, dv)
       GROUP BY q.t, q.agreement, q.recipient, q.k, q.d, q.v, q.dv;
    END IF;

    RETURN QUERY
    WITH rules AS (
      SELECT * FROM unnest(v_t, v_i, v_k, v_d, v_v, v_dv) AS q (t, i, k, d, v, dv)
    ), cells AS (
      -- A cell drawing on several tenants takes the strictest of their rules.
      SELECT r.*, x.k, x.d, x.v, x.dv
        FROM outcome_raw_cells(p_pair_tenant, p_pair_indicator, p_scoped_tenants,
               p_scoped_projects, NULL, NULL, NULL, NULL, NULL, p_group_by) r
        CROSS JOIN LATERAL (
          SELECT max(q.k) AS k, max(q.d) AS d, max(q.v) AS v, max(q.dv) AS dv FROM rules q
           WHERE q.i = r.indicator_id AND (r.tenant_id IS NULL OR q.t = r.tenant_id)) x
    ), noisy AS (
      SELECT c.*,
             CASE WHEN c.baseline_n > 0 THEN greatest(c.baseline_n + cell_key_deviation(
               cell_key_uniform(c.baseline_key, 'respondents'), c.d, c.v), 0) END AS bn,
             CASE WHEN c.latest_n > 0 THEN greatest(c.latest_n + cell_key_deviation(
               cell_key_uniform(c.latest_key, 'respondents'), c.d, c.v), 0) END AS ln,
             CASE WHEN c.baseline_n > 0 THEN greatest(c.baseline_communities + cell_key_deviation(
               cell_key_uniform(c.baseline_key, 'communities'), c.d, c.v), 0) END AS bc,
             CASE WHEN c.latest_n > 0 THEN greatest(c.latest_communities + cell_key_deviation(
               cell_key_uniform(c.latest_key, 'communities'), c.d, c.v), 0) END AS lc,
             -- The mean moved by up to dv respondents' worth of itself; the draw also depends
             -- on the sum, so a changed value gets a fresh one.
             c.baseline_sum / nullif(c.baseline_n, 0) * (1 + c.dv * (2 * cell_key_uniform(
               c.baseline_key, 'value:' || c.baseline_sum::text)::numeric - 1)
               / nullif(c.baseline_n, 0)) AS bm,
             c.latest_sum / nullif(c.latest_n, 0) * (1 + c.dv * (2 * cell_key_uniform(
               c.latest_key, 'value:' || c.latest_sum::text)::numeric - 1)
               / nullif(c.latest_n, 0)) AS lm
        FROM cells c
    ), judged AS (
      -- Withheld when a side rests on fewer than k respondents, true or perturbed, or on fewer
      -- than 3 communities: no published cell ever rests on fewer, and noise never lifts a
      -- small cell over a threshold. The community rule reads the true count: perturbed by
      -- ±D, a count of 3 or 4 would withhold safe cells at random (the published count is
      -- perturbed, and at least 3, so only the threshold itself is learned).
      SELECT n.*,
             coalesce((n.baseline_n > 0 AND (n.baseline_n < n.k OR n.bn < n.k
                                             OR n.baseline_communities < 3))
             OR (n.latest_n > 0 AND (n.latest_n < n.k OR n.ln < n.k
                                     OR n.latest_communities < 3)), true) AS withheld
        FROM noisy n
    )
    SELECT j.tenant_id, j.region, j.project_id, p.code, p.name, NULL::uuid, j.settlement,
           j.sex, j.year, j.indicator_id, i.tenant_id, i.code, i.name, i.description, i.unit,
           i.direction, i.version,
           CASE WHEN NOT j.withheld THEN j.bm END, CASE WHEN NOT j.withheld THEN j.lm END,
           CASE WHEN NOT j.withheld THEN coalesce(j.bn, 0) END,
           CASE WHEN NOT j.withheld THEN coalesce(j.ln, 0) END,
           CASE WHEN NOT j.withheld THEN coalesce(greatest(j.bc, 3), 0) END,
           CASE WHEN NOT j.withheld THEN coalesce(greatest(j.lc, 3), 0) END,
           j.withheld, j.k, j.d, j.v, j.dv
      FROM judged j
      JOIN indicators i ON i.id = j.indicator_id
      LEFT JOIN projects p ON p.tenant_id = j.project_tenant_id AND p.id = j.project_id;
  END
  $$`,
];
