import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Layer 4 of DESIGN §3: the one narrow path by which aggregates reach callers who may not
 * read rows.
 *
 * Row-level security hides every measurement from an aggregate analyst (the request preamble
 * puts none of its tenants in `app.tenant_ids`), and it should stay that way: no policy is
 * loosened here. Instead three SECURITY DEFINER functions, owned by the migration role (which
 * must bypass RLS, see src/db/database.ts) and executable by dg_app alone, each return or
 * write exactly one narrow thing:
 *
 * - `outcome_cells(…)` returns aggregated cells only (group keys, sample-weighted baseline and
 *   latest value, respondent and community counts), never a row. When it reads a tenant the
 *   caller's own RLS scope does not cover, it checks in SQL, in the same transaction, that a
 *   sharing agreement in force for the named recipient covers every indicator and grouping
 *   asked for, and refuses COMMUNITY grouping and community filters outright. Small-cell
 *   suppression is the service's job (src/modules/outcome/outcome.suppression.ts): it needs
 *   the whole table of cells to choose complementary cells.
 * - `sharing_agreements_in_force(organisation_ids)` lets the service see the agreements naming
 *   the caller's organisations (RLS would hide them: they belong to the sharing tenant).
 * - `record_aggregate_read(…)` appends an AGGREGATE_READ audit event to each tenant read, which
 *   the analyst could not insert itself under the audit log's WITH CHECK policy.
 *
 * The per-series arithmetic ("latest" = endline, else the latest midline or routine value of
 * each series) lives in `outcome_series_rows`, used both directly (for date windows) and to
 * keep the summary table `outcome_series` current on every write to measurements, so that
 * a cross-tenant summary reads a few tens of thousands of pre-aggregated series instead of a
 * million rows.
 */
export class OutcomeAggregates1795755933619 implements MigrationInterface {
  name = 'OutcomeAggregates1795755933619';

  public async up(db: QueryRunner): Promise<void> {
    // One value per series and period, where a series is one indicator in one community (or
    // project-level) of one project, for one sex (NULL: not disaggregated by sex), over all
    // time (year NULL) or within one calendar year. Age-disaggregated rows are left out: no
    // grouping uses them, and adding them to the totals would count respondents twice.
    // baseline_*: sums over BASELINE rows; latest_*: over the series' ENDLINE rows, else its
    // latest-dated MIDLINE or ROUTINE rows. Sums are Σ value × sample size and Σ sample size,
    // so cells are sample-weighted means. Derived data, rebuilt by trigger: no foreign keys.
    await db.query(`
      CREATE TABLE outcome_series (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        project_id uuid NOT NULL,
        community_id uuid,
        indicator_id uuid NOT NULL,
        sex text,
        year integer,
        baseline_sum numeric,
        baseline_n bigint,
        latest_sum numeric,
        latest_n bigint,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX outcome_series_series_idx
      ON outcome_series (tenant_id, indicator_id, project_id, community_id)`);
    // The common case, summaries over all time not broken down by sex, reads only this index.
    await db.query(`CREATE INDEX outcome_series_totals_idx ON outcome_series (tenant_id, indicator_id)
      INCLUDE (project_id, community_id, baseline_sum, baseline_n, latest_sum, latest_n)
      WHERE year IS NULL AND sex IS NULL`);
    await db.query(`ALTER TABLE outcome_series ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE outcome_series FORCE ROW LEVEL SECURITY`);
    // dg_app holds no privilege on it at all; the policy is there for completeness.
    await db.query(`CREATE POLICY tenant_isolation ON outcome_series
      USING (tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);

    await db.query(`
      CREATE FUNCTION outcome_series_rows(
        p_tenant_ids uuid[], p_by_year boolean, p_from date, p_to date,
        p_series_tenant uuid[] DEFAULT NULL, p_series_project uuid[] DEFAULT NULL,
        p_series_indicator uuid[] DEFAULT NULL)
      RETURNS TABLE (tenant_id uuid, project_id uuid, community_id uuid, indicator_id uuid,
        sex text, year integer, baseline_sum numeric, baseline_n bigint, latest_sum numeric,
        latest_n bigint)
      LANGUAGE plpgsql STABLE
      SET search_path = public
      -- Planned with the arguments known: a trigger's few series read through the project
      -- index, a date window scans its tenants.
      SET plan_cache_mode = force_custom_plan
      AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
        WITH m AS (
          SELECT m.tenant_id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
                 m.measured_on, m.value, m.sample_size,
                 CASE WHEN p_by_year THEN extract(year FROM m.measured_on)::int END AS year
            FROM measurements m
           WHERE p_series_tenant IS NULL AND m.tenant_id = ANY (p_tenant_ids)
             AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
             AND (p_from IS NULL OR m.measured_on >= p_from)
             AND (p_to IS NULL OR m.measured_on <= p_to)
          UNION ALL
          -- Given series (a trigger's): driven from them, through the project index.
          SELECT m.tenant_id, m.project_id, m.community_id, m.indicator_id, m.sex, m.period,
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
               sum(r.sample_size) FILTER (WHERE r.period <> 'BASELINE' AND r.r = 1)
          FROM ranked r
         GROUP BY r.tenant_id, r.project_id, r.community_id, r.indicator_id, r.sex, r.year;
      END
      $$`);

    // A series' measurements, for the trigger below to rebuild it.
    await db.query(`CREATE INDEX measurements_series_idx
      ON measurements (tenant_id, project_id, indicator_id)`);

    // One level up, per tenant and indicator (and sex, year): what summaries grouped by no
    // more than TENANT, INDICATOR, SEX and YEAR, without filters or partner scope, read: a few
    // hundred rows instead of every series, so the common cross-tenant question stays fast.
    // Community counts are distinct counts, which do not add up across projects: hence a
    // table of its own rather than a sum over outcome_series.
    await db.query(`
      CREATE TABLE outcome_totals (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        indicator_id uuid NOT NULL,
        sex text,
        year integer,
        baseline_sum numeric,
        baseline_n bigint,
        latest_sum numeric,
        latest_n bigint,
        baseline_communities integer NOT NULL,
        latest_communities integer NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX outcome_totals_indicator_idx
      ON outcome_totals (tenant_id, indicator_id)`);
    await db.query(`ALTER TABLE outcome_totals ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE outcome_totals FORCE ROW LEVEL SECURITY`);
    await db.query(`CREATE POLICY tenant_isolation ON outcome_totals
      USING (tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);
    await db.query(`
      CREATE FUNCTION outcome_totals_rows(p_tenant uuid[], p_indicator uuid[])
      RETURNS TABLE (tenant_id uuid, indicator_id uuid, sex text, year integer,
        baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
        baseline_communities integer, latest_communities integer)
      -- No SET clause, so that it is inlined into its (SECURITY DEFINER, search_path-pinned)
      -- caller and planned with the caller's arguments.
      LANGUAGE sql STABLE
      AS $$
        SELECT s.tenant_id, s.indicator_id, s.sex, s.year, sum(s.baseline_sum),
               sum(s.baseline_n)::bigint, sum(s.latest_sum), sum(s.latest_n)::bigint,
               (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int,
               (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int
          FROM (SELECT DISTINCT * FROM unnest(p_tenant, p_indicator)) AS k (t, i)
          JOIN outcome_series s ON s.tenant_id = k.t AND s.indicator_id = k.i
         GROUP BY s.tenant_id, s.indicator_id, s.sex, s.year
      $$`);

    // Keeps outcome_series current: after any write to measurements, the series of the
    // (tenant, project, indicator) triples it touched are rebuilt from scratch, in the
    // writer's transaction. One statement of a bulk import rebuilds each triple once.
    await db.query(`
      CREATE FUNCTION outcome_series_refresh() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = public
      SET plan_cache_mode = force_custom_plan
      AS $$
      DECLARE
        v_tenant uuid[]; v_project uuid[]; v_indicator uuid[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
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
        -- Two transactions rebuilding the same indicator of a tenant at once would each keep
        -- their own rows (neither sees the other's), counting them twice. Take turns, in a
        -- fixed order so that two writers cannot deadlock; under READ COMMITTED the statements
        -- below then see what the other committed.
        PERFORM pg_advisory_xact_lock(k.key)
           FROM (SELECT DISTINCT hashtextextended(q.t::text || ':' || q.i::text, 1795755933619) AS key
                   FROM unnest(v_tenant, v_indicator) AS q (t, i) ORDER BY 1) AS k;
        DELETE FROM outcome_series s
         WHERE (s.tenant_id, s.project_id, s.indicator_id) IN (
                 SELECT * FROM unnest(v_tenant, v_project, v_indicator));
        INSERT INTO outcome_series (tenant_id, project_id, community_id, indicator_id, sex, year,
               baseline_sum, baseline_n, latest_sum, latest_n)
        SELECT * FROM outcome_series_rows(v_tenant, false, NULL, NULL, v_tenant, v_project, v_indicator)
        UNION ALL
        SELECT * FROM outcome_series_rows(v_tenant, true, NULL, NULL, v_tenant, v_project, v_indicator);
        DELETE FROM outcome_totals o
         WHERE (o.tenant_id, o.indicator_id) IN (SELECT * FROM unnest(v_tenant, v_indicator));
        INSERT INTO outcome_totals (tenant_id, indicator_id, sex, year, baseline_sum, baseline_n,
               latest_sum, latest_n, baseline_communities, latest_communities)
        SELECT * FROM outcome_totals_rows(v_tenant, v_indicator);
        RETURN NULL;
      END
      $$`);
    await db.query(`CREATE TRIGGER measurements_outcome_series_insert AFTER INSERT ON measurements
      REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outcome_series_refresh()`);
    await db.query(`CREATE TRIGGER measurements_outcome_series_update AFTER UPDATE ON measurements
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outcome_series_refresh()`);
    await db.query(`CREATE TRIGGER measurements_outcome_series_delete AFTER DELETE ON measurements
      REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION outcome_series_refresh()`);

    // Whatever is already there: seconds for a million measurements, beyond the pool's
    // statement timeout.
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`
      INSERT INTO outcome_series (tenant_id, project_id, community_id, indicator_id, sex, year,
             baseline_sum, baseline_n, latest_sum, latest_n)
      SELECT * FROM outcome_series_rows(ARRAY(SELECT id FROM tenants), false, NULL, NULL)
      UNION ALL
      SELECT * FROM outcome_series_rows(ARRAY(SELECT id FROM tenants), true, NULL, NULL)`);
    await db.query(`
      INSERT INTO outcome_totals (tenant_id, indicator_id, sex, year, baseline_sum, baseline_n,
             latest_sum, latest_n, baseline_communities, latest_communities)
      SELECT * FROM outcome_totals_rows(
        ARRAY(SELECT t.id FROM tenants t CROSS JOIN indicators i ORDER BY t.id, i.id),
        ARRAY(SELECT i.id FROM tenants t CROSS JOIN indicators i ORDER BY t.id, i.id))`);

    await db.query(`
      CREATE FUNCTION sharing_agreements_in_force(p_organisation_ids uuid[])
      RETURNS TABLE (tenant_id uuid, id uuid, recipient_organisation_id uuid,
        indicator_ids uuid[], indicator_codes text[], allowed_group_by text[], finest_level text,
        min_cell_size integer)
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public
      AS $$
        -- Ids and codes in the same order (by code), so the service can pair them up.
        SELECT a.tenant_id, a.id, a.recipient_organisation_id,
               ARRAY(SELECT i.id FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code),
               ARRAY(SELECT i.code FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code),
               a.allowed_group_by, a.finest_level, greatest(a.min_cell_size, t.min_cell_size)
          FROM sharing_agreements a JOIN tenants t ON t.id = a.tenant_id
         WHERE a.recipient_organisation_id = ANY (p_organisation_ids)
           AND a.revoked_at IS NULL AND a.valid_from <= now()
           AND (a.expires_at IS NULL OR a.expires_at > now())
      $$`);

    // p_pair_tenant[i] × p_pair_indicator[i]: exactly the (tenant, indicator) pairs to read.
    // p_scoped_tenants / p_scoped_projects: layer 2 for partners (in those tenants, only those
    // projects). p_project_ids etc.: the client's filter.
    await db.query(`
      CREATE FUNCTION outcome_cells(
        p_recipient_organisation_id uuid, p_pair_tenant uuid[], p_pair_indicator uuid[],
        p_scoped_tenants uuid[], p_scoped_projects uuid[],
        p_project_ids uuid[], p_community_ids uuid[], p_settlement text, p_from date, p_to date,
        p_group_by text[])
      RETURNS TABLE (tenant_id uuid, region text, project_id uuid, project_code text,
        project_name text, community_id uuid, settlement text, sex text, year integer,
        indicator_id uuid, indicator_tenant_id uuid, indicator_code text, indicator_name text,
        indicator_description text, indicator_unit text, indicator_direction text,
        indicator_version integer, baseline numeric, latest numeric, baseline_n bigint,
        latest_n bigint, baseline_communities integer, latest_communities integer)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public
      -- Plan with the grouping known, so the conditions on year and sex fold to constants and
      -- the partial index applies.
      SET plan_cache_mode = force_custom_plan
      AS $$
      #variable_conflict use_column
      DECLARE
        v_tenants uuid[] := ARRAY(SELECT DISTINCT unnest(p_pair_tenant));
        v_indicators uuid[] := ARRAY(SELECT DISTINCT unnest(p_pair_indicator));
        -- Every tenant with every indicator (the usual case): no join with the pairs needed.
        v_cross boolean := (SELECT count(DISTINCT (t, i)) FROM unnest(p_pair_tenant, p_pair_indicator) AS q (t, i))
                           = cardinality(v_tenants) * cardinality(v_indicators);
        v_by_year boolean := 'YEAR' = ANY (p_group_by);
        v_by_sex boolean := 'SEX' = ANY (p_group_by);
      BEGIN
        IF NOT p_group_by <@ ARRAY['TENANT', 'REGION', 'PROJECT', 'COMMUNITY', 'INDICATOR',
                                   'SETTLEMENT', 'SEX', 'YEAR']
           OR cardinality(p_pair_tenant) IS DISTINCT FROM cardinality(p_pair_indicator) THEN
          RAISE EXCEPTION 'outcome_cells: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
        END IF;
        -- A pair in a tenant the caller cannot read row by row is read only under an agreement
        -- in force for the recipient that covers its indicator and every grouping, and never
        -- by community.
        IF EXISTS (SELECT 1 FROM unnest(p_pair_tenant, p_pair_indicator) AS q (t, i)
                    WHERE NOT (q.t = ANY (coalesce(app_tenant_ids(), '{}'))))
           AND ('COMMUNITY' = ANY (p_group_by) OR p_community_ids IS NOT NULL
                OR p_recipient_organisation_id IS NULL
                OR EXISTS (
                  SELECT 1 FROM unnest(p_pair_tenant, p_pair_indicator) AS q (t, i)
                   WHERE NOT (q.t = ANY (coalesce(app_tenant_ids(), '{}')))
                     AND NOT EXISTS (
                       SELECT 1 FROM sharing_agreements a
                        WHERE a.tenant_id = q.t
                          AND a.recipient_organisation_id = p_recipient_organisation_id
                          AND a.revoked_at IS NULL AND a.valid_from <= now()
                          AND (a.expires_at IS NULL OR a.expires_at > now())
                          AND q.i = ANY (a.indicator_ids)
                          AND array_remove(p_group_by, 'INDICATOR') <@ a.allowed_group_by))) THEN
          RAISE EXCEPTION 'outcome_cells: no sharing agreement in force covers this request'
            USING ERRCODE = 'insufficient_privilege';
        END IF;

        IF p_from IS NULL AND p_to IS NULL AND p_scoped_tenants IS NULL
           AND p_project_ids IS NULL AND p_community_ids IS NULL AND p_settlement IS NULL
           AND p_group_by <@ ARRAY['TENANT', 'INDICATOR', 'SEX', 'YEAR'] THEN
          RETURN QUERY
          WITH cells AS (
            SELECT CASE WHEN 'TENANT' = ANY (p_group_by) THEN o.tenant_id END AS tenant_id,
                   o.indicator_id, CASE WHEN v_by_sex THEN o.sex END AS sex, o.year,
                   sum(o.baseline_sum) / nullif(sum(o.baseline_n), 0) AS baseline,
                   sum(o.latest_sum) / nullif(sum(o.latest_n), 0) AS latest,
                   coalesce(sum(o.baseline_n), 0)::bigint AS baseline_n,
                   coalesce(sum(o.latest_n), 0)::bigint AS latest_n,
                   -- Tenants share no community, so their distinct counts add up.
                   sum(o.baseline_communities)::int AS baseline_communities,
                   sum(o.latest_communities)::int AS latest_communities
              FROM outcome_totals o
             WHERE o.tenant_id = ANY (v_tenants) AND o.indicator_id = ANY (v_indicators)
               AND (v_cross OR (o.tenant_id, o.indicator_id) IN (
                     SELECT * FROM unnest(p_pair_tenant, p_pair_indicator)))
               AND ((v_by_year AND o.year IS NOT NULL) OR (NOT v_by_year AND o.year IS NULL))
               AND ((v_by_sex AND o.sex IS NOT NULL) OR (NOT v_by_sex AND o.sex IS NULL))
             GROUP BY 1, 2, 3, 4
          )
          SELECT cells.tenant_id, NULL::text, NULL::uuid, NULL::text, NULL::text, NULL::uuid,
                 NULL::text, cells.sex, cells.year, cells.indicator_id,
                 i.tenant_id, i.code, i.name, i.description, i.unit, i.direction, i.version,
                 cells.baseline, cells.latest, cells.baseline_n, cells.latest_n,
                 cells.baseline_communities, cells.latest_communities
            FROM cells JOIN indicators i ON i.id = cells.indicator_id;
          RETURN;
        END IF;

        RETURN QUERY
        WITH s AS (
          -- The summary table, unless a date window changes which values count.
          SELECT s.tenant_id, s.project_id, s.community_id, s.indicator_id, s.sex, s.year,
                 s.baseline_sum, s.baseline_n, s.latest_sum, s.latest_n
            FROM outcome_series s
           WHERE p_from IS NULL AND p_to IS NULL
             AND s.tenant_id = ANY (v_tenants)
             AND ((v_by_year AND s.year IS NOT NULL) OR (NOT v_by_year AND s.year IS NULL))
             AND ((v_by_sex AND s.sex IS NOT NULL) OR (NOT v_by_sex AND s.sex IS NULL))
          UNION ALL
          SELECT r.* FROM outcome_series_rows(v_tenants, v_by_year, p_from, p_to) r
           WHERE p_from IS NOT NULL OR p_to IS NOT NULL
        ), cells AS (
          -- Tenant and indicator first: the order of the summary table's index, which then
          -- needs no sort to group.
          SELECT CASE WHEN 'TENANT' = ANY (p_group_by) THEN s.tenant_id END AS tenant_id,
                 s.indicator_id,
                 CASE WHEN 'REGION' = ANY (p_group_by) THEN c.region END AS region,
                 CASE WHEN 'PROJECT' = ANY (p_group_by) THEN s.project_id END AS project_id,
                 CASE WHEN 'COMMUNITY' = ANY (p_group_by) THEN s.community_id END AS community_id,
                 CASE WHEN 'SETTLEMENT' = ANY (p_group_by) THEN c.settlement END AS settlement,
                 CASE WHEN v_by_sex THEN s.sex END AS sex,
                 s.year,
                 -- A project's tenant, to find its name: one per project, so no extra split.
                 CASE WHEN 'PROJECT' = ANY (p_group_by) THEN s.tenant_id END AS project_tenant_id,
                 sum(s.baseline_sum) / nullif(sum(s.baseline_n), 0) AS baseline,
                 sum(s.latest_sum) / nullif(sum(s.latest_n), 0) AS latest,
                 coalesce(sum(s.baseline_n), 0)::bigint AS baseline_n,
                 coalesce(sum(s.latest_n), 0)::bigint AS latest_n,
                 (count(DISTINCT s.community_id) FILTER (WHERE s.baseline_n > 0))::int
                   AS baseline_communities,
                 (count(DISTINCT s.community_id) FILTER (WHERE s.latest_n > 0))::int
                   AS latest_communities
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
           GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
        )
        SELECT cells.tenant_id, cells.region, cells.project_id, p.code, p.name,
               cells.community_id, cells.settlement, cells.sex, cells.year, cells.indicator_id,
               i.tenant_id, i.code, i.name, i.description, i.unit, i.direction, i.version,
               cells.baseline, cells.latest, cells.baseline_n, cells.latest_n,
               cells.baseline_communities, cells.latest_communities
          FROM cells
          JOIN indicators i ON i.id = cells.indicator_id
          LEFT JOIN projects p ON p.tenant_id = cells.project_tenant_id AND p.id = cells.project_id;
      END
      $$`);

    await db.query(`
      CREATE FUNCTION record_aggregate_read(p_tenant_ids uuid[], p_agreement_ids uuid[],
        p_request_id text, p_principal_kind text, p_principal_id text, p_organisation_id uuid,
        p_details jsonb)
      RETURNS void
      LANGUAGE sql SECURITY DEFINER
      SET search_path = public
      AS $$
        INSERT INTO audit_events (tenant_id, request_id, principal_kind, principal_id,
               organisation_id, action, entity_type, entity_id, details)
        SELECT r.tenant_id, p_request_id, p_principal_kind, p_principal_id, p_organisation_id,
               'AGGREGATE_READ', 'SharingAgreement', r.agreement_id::text,
               p_details || jsonb_build_object('agreementId', r.agreement_id)
          FROM unnest(p_tenant_ids, p_agreement_ids) AS r (tenant_id, agreement_id)
      $$`);

    for (const fn of [
      'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[])',
      'outcome_series_refresh()',
      'outcome_totals_rows(uuid[], uuid[])',
      'sharing_agreements_in_force(uuid[])',
      'outcome_cells(uuid, uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])',
      'record_aggregate_read(uuid[], uuid[], text, text, text, uuid, jsonb)',
    ]) {
      await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    }
    for (const fn of [
      'sharing_agreements_in_force(uuid[])',
      'outcome_cells(uuid, uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])',
      'record_aggregate_read(uuid[], uuid[], text, text, text, uuid, jsonb)',
    ]) {
      await db.query(`GRANT EXECUTE ON FUNCTION ${fn} TO dg_app`);
    }

    // A tenant admin lists its tenant's agreements newest first.
    await db.query(`CREATE INDEX sharing_agreements_tenant_created_idx
      ON sharing_agreements (tenant_id, created_at, id)`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX sharing_agreements_tenant_created_idx`);
    await db.query(
      `DROP FUNCTION record_aggregate_read(uuid[], uuid[], text, text, text, uuid, jsonb)`,
    );
    await db.query(
      `DROP FUNCTION outcome_cells(uuid, uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])`,
    );
    await db.query(`DROP FUNCTION sharing_agreements_in_force(uuid[])`);
    await db.query(`DROP TRIGGER measurements_outcome_series_delete ON measurements`);
    await db.query(`DROP TRIGGER measurements_outcome_series_update ON measurements`);
    await db.query(`DROP TRIGGER measurements_outcome_series_insert ON measurements`);
    await db.query(`DROP FUNCTION outcome_series_refresh()`);
    await db.query(
      `DROP FUNCTION outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[])`,
    );
    await db.query(`DROP FUNCTION outcome_totals_rows(uuid[], uuid[])`);
    await db.query(`DROP TABLE outcome_totals`);
    await db.query(`DROP TABLE outcome_series`);
    await db.query(`DROP INDEX measurements_series_idx`);
  }
}
