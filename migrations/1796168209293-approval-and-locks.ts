import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DisclosureControl1796156655380 } from './1796156655380-disclosure-control';
import { SummariesOnCitus1796158871569 } from './1796158871569-summaries-on-citus';

/**
 * Approval workflow and period locks (README "Approval and locks").
 *
 * - `projects.reporting_period` (MONTH, QUARTER, YEAR): the length of the periods a project's
 *   rows are approved in. A row's period is the one holding its date (an activity's start date,
 *   a measurement's measuredOn).
 * - `reporting_periods`: one row per (tenant, project, period start) with its state (DRAFT,
 *   SUBMITTED, APPROVED, RETURNED) and version; `period_transitions` is its append-only history
 *   (who moved it, when, with which comment): who submitted or approved is read there, so no
 *   author column is ever rewritten. `lock_exceptions` reopen a closed input window for one
 *   project's period until a time; `approval_settings` hold a tenant's input window and its
 *   rule on approving one's own submission.
 * - `activities.approval_state`, `measurements.approval_state`: DRAFT when written, then the
 *   state its period's transitions give it (a row added to a submitted period stays DRAFT until
 *   the period is approved, which approves every row in it). Existing rows are APPROVED, and so are the periods they
 *   fall in, so that switching approval on hides nothing from the summaries.
 * - The guard (`period_lock_guard`, AFTER each statement on activities and measurements, over
 *   its transition tables): refuses a change of rows' data in an approved period, or outside
 *   its input window without a lock exception (SQLSTATE DGL01, with a message saying why and
 *   until when), for every request (dg_app); refuses a new row that is not DRAFT
 *   and a row state that does not follow its period's; and takes a FOR SHARE lock on the
 *   periods' rows (created when missing), so that an approval, which locks its period FOR
 *   UPDATE, either waits for the writer's commit and then approves its rows too, or goes first
 *   and the writer is refused. Once per statement, not per row: a bulk write pays a few
 *   statements. On Citus it fires on a shard, on the worker holding it, and reads the
 *   co-located shards found in Citus's metadata, as the summaries' trigger does
 *   (1796158871569-summaries-on-citus). The owner connected as itself (migrations, seeds,
 *   test fixtures) is not held, and the rows it inserts are approved.
 * - The outcome functions count approved rows only, unless a reader of rows asks for ANY:
 *   outcome_series_rows gains `p_any_state` (the maintained series and totals hold approved
 *   rows only), outcome_raw_cells reads rows directly for ANY, and outcome_cells gains
 *   `p_approval`, refused with anything but APPROVED in a governed read (analysts, recipients
 *   of sharing agreements).
 */
export class ApprovalAndLocks1796168209293 implements MigrationInterface {
  name = 'ApprovalAndLocks1796168209293';

  public async up(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    const extensions = (await db.query(
      `SELECT 1 FROM pg_extension WHERE extname = 'citus'`,
    )) as unknown[];
    const citus = extensions.length > 0;
    // Distributing the new tables and creating the guard take longer than a pool's timeout.
    await db.query(`SET LOCAL statement_timeout = 0`);
    // Citus refuses a function command after a parallel DDL on a distributed table in one
    // transaction ("there was a parallel operation"): run this migration's DDL sequentially.
    if (citus) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);

    await db.query(`ALTER TABLE projects ADD COLUMN reporting_period text NOT NULL DEFAULT 'QUARTER'
      CONSTRAINT projects_reporting_period_check CHECK (reporting_period IN ('MONTH', 'QUARTER', 'YEAR'))`);
    await db.query(`CREATE FUNCTION new_row_approval_state() RETURNS text
      LANGUAGE sql STABLE
      AS $$ SELECT CASE WHEN current_user = 'dg_app' THEN 'DRAFT' ELSE 'APPROVED' END $$`);
    await db.query(`REVOKE ALL ON FUNCTION new_row_approval_state() FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION new_row_approval_state() TO dg_app`);
    for (const table of ['activities', 'measurements']) {
      // Existing rows approved (the default fills them), new rows drafts.
      await db.query(`ALTER TABLE ${table} ADD COLUMN approval_state text NOT NULL DEFAULT 'APPROVED'
        CONSTRAINT ${table}_approval_state_check
          CHECK (approval_state IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED'))`);
      // Requests (dg_app) write drafts; the owner itself (seeds, fixtures) writes approved rows.
      await db.query(
        `ALTER TABLE ${table} ALTER COLUMN approval_state SET DEFAULT new_row_approval_state()`,
      );
    }
    for (const statement of FUNCTIONS) await db.query(statement);
    await db.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await db.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
      CHECK (scopes <@ ARRAY['read', 'write', 'aggregate', 'admin', 'iati', 'approve'])`);

    await db.query(`
      CREATE TABLE approval_settings (
        tenant_id uuid NOT NULL,
        input_window_days integer NOT NULL DEFAULT 0
          CONSTRAINT approval_settings_input_window_days_check CHECK (input_window_days BETWEEN 0 AND 3660),
        self_approval text NOT NULL DEFAULT 'WHEN_ONLY_ORGANISATION'
          CONSTRAINT approval_settings_self_approval_check
          CHECK (self_approval IN ('NEVER', 'WHEN_ONLY_ORGANISATION', 'ALWAYS')),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by text NOT NULL,
        CONSTRAINT approval_settings_pkey PRIMARY KEY (tenant_id)
      )`);
    await db.query(`
      CREATE TABLE reporting_periods (
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        period_start date NOT NULL,
        period_end date NOT NULL,
        state text NOT NULL DEFAULT 'DRAFT'
          CONSTRAINT reporting_periods_state_check
          CHECK (state IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED')),
        version integer NOT NULL DEFAULT 1,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT reporting_periods_pkey PRIMARY KEY (tenant_id, project_id, period_start),
        CONSTRAINT reporting_periods_check CHECK (period_end >= period_start)
      )`);
    await db.query(`
      CREATE TABLE period_transitions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        period_start date NOT NULL,
        action text NOT NULL
          CONSTRAINT period_transitions_action_check
          CHECK (action IN ('SUBMIT', 'APPROVE', 'RETURN', 'UNAPPROVE', 'MIGRATE')),
        from_state text NOT NULL,
        to_state text NOT NULL,
        comment text CONSTRAINT period_transitions_comment_check CHECK (length(comment) <= 2000),
        actor text NOT NULL,
        organisation_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT period_transitions_pkey PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX period_transitions_period_idx
      ON period_transitions (tenant_id, project_id, period_start, created_at)`);
    await db.query(`CREATE INDEX period_transitions_organisation_idx
      ON period_transitions (organisation_id)`);
    await db.query(`
      CREATE TABLE lock_exceptions (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        period_start date NOT NULL,
        until timestamptz NOT NULL,
        reason text NOT NULL CONSTRAINT lock_exceptions_reason_check CHECK (length(reason) BETWEEN 1 AND 2000),
        granted_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT lock_exceptions_pkey PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX lock_exceptions_period_idx
      ON lock_exceptions (tenant_id, project_id, period_start, until)`);

    if (citus) await db.query(`SELECT distribute_tables()`);
    for (const statement of FOREIGN_KEYS) await db.query(statement);

    // Every period holding rows today is approved, by the migration.
    for (const [table, column] of [
      ['activities', 'start_date'],
      ['measurements', 'measured_on'],
    ]) {
      await db.query(`
        INSERT INTO reporting_periods (tenant_id, project_id, period_start, period_end, state)
        SELECT DISTINCT r.tenant_id, r.project_id,
               reporting_period_start(p.reporting_period, r.${column}),
               reporting_period_end(p.reporting_period, r.${column}), 'APPROVED'
          FROM ${table} r JOIN projects p ON p.tenant_id = r.tenant_id AND p.id = r.project_id
        ON CONFLICT DO NOTHING`);
    }
    await db.query(`
      INSERT INTO period_transitions (tenant_id, project_id, period_start, action, from_state,
             to_state, comment, actor)
      SELECT tenant_id, project_id, period_start, 'MIGRATE', 'DRAFT', 'APPROVED',
             'Approved when approval was introduced: rows recorded before it count as approved',
             'system:migration'
        FROM reporting_periods`);

    for (const statement of SECURITY) await db.query(statement);
    if (citus) {
      // Citus refuses triggers on distributed tables unless told; the guard touches only the
      // shards co-located with the one it fires on (see the function).
      await db.query(`SET LOCAL citus.enable_unsafe_triggers = on`);
    }
    for (const table of ['activities', 'measurements']) {
      await db.query(`CREATE TRIGGER ${table}_period_lock_insert AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION period_lock_guard()`);
      await db.query(`CREATE TRIGGER ${table}_period_lock_update AFTER UPDATE ON ${table}
        REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION period_lock_guard()`);
      await db.query(`CREATE TRIGGER ${table}_period_lock_delete AFTER DELETE ON ${table}
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION period_lock_guard()`);
    }

    await db.query(`DROP FUNCTION ${SERIES_ROWS_OLD}`);
    await db.query(withAnyState(previous.seriesRows));
    await db.query(`REVOKE ALL ON FUNCTION ${SERIES_ROWS_NEW} FROM PUBLIC`);
    await db.query(`DROP FUNCTION ${CELLS_OLD}`);
    await db.query(`DROP FUNCTION ${RAW_CELLS_OLD}`);
    await db.query(rawCellsWithApproval(previous.rawCells));
    await db.query(`REVOKE ALL ON FUNCTION ${RAW_CELLS_NEW} FROM PUBLIC`);
    await db.query(cellsWithApproval(previous.outcomeCells));
    await db.query(`REVOKE ALL ON FUNCTION ${CELLS_NEW} FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION ${CELLS_NEW} TO dg_app`);
  }

  public async down(db: QueryRunner): Promise<void> {
    const previous = await previousStatements();
    await db.query(`DROP FUNCTION ${CELLS_NEW}`);
    await db.query(`DROP FUNCTION ${RAW_CELLS_NEW}`);
    await db.query(previous.rawCells.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION'));
    await db.query(`REVOKE ALL ON FUNCTION ${RAW_CELLS_OLD} FROM PUBLIC`);
    await db.query(previous.outcomeCells.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION'));
    await db.query(`REVOKE ALL ON FUNCTION ${CELLS_OLD} FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION ${CELLS_OLD} TO dg_app`);
    await db.query(`DROP FUNCTION ${SERIES_ROWS_NEW}`);
    await db.query(previous.seriesRows.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION'));
    await db.query(`REVOKE ALL ON FUNCTION ${SERIES_ROWS_OLD} FROM PUBLIC`);
    for (const table of ['activities', 'measurements']) {
      for (const op of ['insert', 'update', 'delete']) {
        await db.query(`DROP TRIGGER ${table}_period_lock_${op} ON ${table}`);
      }
      await db.query(`ALTER TABLE ${table} DROP COLUMN approval_state`);
    }
    await db.query(
      `DROP TABLE lock_exceptions, period_transitions, reporting_periods, approval_settings`,
    );
    await db.query(`DROP FUNCTION period_lock_guard()`);
    await db.query(`DROP FUNCTION record_history(text, uuid[])`);
    await db.query(`DROP FUNCTION period_lock_reason(text, date, date, integer, timestamptz)`);
    await db.query(`DROP FUNCTION reporting_period_end(text, date)`);
    await db.query(`DROP FUNCTION reporting_period_start(text, date)`);
    await db.query(`DROP FUNCTION new_row_approval_state()`);
    await db.query(`ALTER TABLE projects DROP COLUMN reporting_period`);
    await db.query(`UPDATE api_keys SET scopes = array_remove(scopes, 'approve')`);
    await db.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await db.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
      CHECK (scopes <@ ARRAY['read', 'write', 'aggregate', 'admin', 'iati'])`);
  }
}

const SERIES_ROWS_OLD =
  'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[], text, text)';
const SERIES_ROWS_NEW =
  'outcome_series_rows(uuid[], boolean, date, date, uuid[], uuid[], uuid[], text, text, boolean)';
const RAW_CELLS_OLD =
  'outcome_raw_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[])';
const RAW_CELLS_NEW =
  'outcome_raw_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean)';
const CELLS_OLD =
  'outcome_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean, uuid)';
const CELLS_NEW =
  'outcome_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean, uuid, text)';

/** Runs a migration's `up` against a recorder and returns its statements. */
async function recorded(migration: MigrationInterface): Promise<string[]> {
  const statements: string[] = [];
  const recorder = {
    query: (sql: string) => {
      statements.push(sql.trim());
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  await migration.up(recorder);
  return statements;
}

/**
 * The definitions this migration changes, as their own frozen migrations state them (the
 * latest of each), as CREATE OR REPLACE.
 */
async function previousStatements(): Promise<{
  seriesRows: string;
  rawCells: string;
  outcomeCells: string;
}> {
  const disclosure = await recorded(new DisclosureControl1796156655380());
  const citus = await recorded(new SummariesOnCitus1796158871569());
  const find = (statements: string[], name: string) => {
    const sql = [...statements]
      .reverse()
      .find((s) => new RegExp(`^CREATE (OR REPLACE )?FUNCTION ${name}\\(`).test(s));
    if (!sql) throw new Error(`No definition of ${name}`);
    return sql.replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');
  };
  return {
    seriesRows: find(citus, 'outcome_series_rows'),
    rawCells: find(disclosure, 'outcome_raw_cells'),
    outcomeCells: find(citus, 'outcome_cells'),
  };
}

/** Replaces `from` by `to` in `sql`, which must contain it exactly `times` times. */
function replaceAll(sql: string, from: string, to: string, times = 1): string {
  const count = sql.split(from).length - 1;
  if (count !== times) throw new Error(`Expected ${times} of ${from} in ${sql.slice(0, 80)}…`);
  return sql.split(from).join(to);
}

/** outcome_series_rows counting approved rows only, unless `p_any_state`. */
function withAnyState(sql: string): string {
  let out = replaceAll(
    sql,
    `p_record_keys text DEFAULT 'outcome_record_keys')`,
    `p_record_keys text DEFAULT 'outcome_record_keys', p_any_state boolean DEFAULT false)`,
  );
  out = replaceAll(
    out,
    'AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0',
    `AND m.deleted_at IS NULL AND m.age_band IS NULL AND m.sample_size > 0
         AND ($8 OR m.approval_state = 'APPROVED')`,
    2,
  );
  out = replaceAll(
    out,
    '          p_series_indicator;',
    '          p_series_indicator, p_any_state;',
  );
  return out.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION');
}

/**
 * The kept series and the rows of a date window, united behind conditions on the parameters
 * only, as the disclosure-control migration writes outcome_raw_cells.
 */
const UNITED_SOURCES =
  / {4}RETURN QUERY\n {4}WITH s AS \(\n([\s\S]*?FROM outcome_series s\n) {7}WHERE p_from IS NULL AND p_to IS NULL\n {9}AND ([\s\S]*?)\n {6}UNION ALL\n {6}SELECT r\.\* FROM outcome_series_rows\(v_tenants, v_by_year, p_from, p_to\) r\n {7}WHERE p_from IS NOT NULL OR p_to IS NOT NULL\n {4}\)\n([\s\S]*?GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;)\n/;

/**
 * outcome_raw_cells reading the rows themselves (any state) when `p_any_state`, its source (the
 * kept series, or the rows) chosen in PL/pgSQL before planning. United in one query behind
 * conditions on the parameters only, those conditions become one-time filters once the
 * parameters are constants (force_custom_plan), which Citus refuses beside an outer join on
 * PostgreSQL 15 and 16 ("Distributed queries with outer joins and pseudoconstant quals are not
 * supported"): every filtered summary failed on a cluster. The cells are the same.
 */
function rawCellsWithApproval(sql: string): string {
  let out = replaceAll(
    sql,
    'p_from date, p_to date, p_group_by text[])',
    'p_from date, p_to date, p_group_by text[], p_any_state boolean DEFAULT false)',
  );
  out = replaceAll(
    out,
    `AND p_group_by <@ ARRAY['TENANT', 'INDICATOR', 'SEX', 'YEAR'] THEN`,
    `AND p_group_by <@ ARRAY['TENANT', 'INDICATOR', 'SEX', 'YEAR'] AND NOT p_any_state THEN`,
  );
  const match = UNITED_SOURCES.exec(out);
  if (!match)
    throw new Error('outcome_raw_cells is not as the disclosure-control migration left it');
  const [whole, series, seriesConditions, cells] = match;
  out = out.replace(
    whole,
    `    IF p_from IS NULL AND p_to IS NULL AND NOT p_any_state THEN
      RETURN QUERY
      WITH s AS (
${series}       WHERE ${seriesConditions}
      )
${cells}
    ELSE
      RETURN QUERY
      WITH s AS (
        SELECT r.* FROM outcome_series_rows(v_tenants, v_by_year, p_from, p_to, NULL, NULL, NULL,
               'measurements', 'outcome_record_keys', p_any_state) r
      )
${cells}
    END IF;
`,
  );
  return out.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION');
}

/** outcome_cells with `p_approval`: ANY only for exact reads of one's own rows. */
function cellsWithApproval(sql: string): string {
  let out = replaceAll(
    sql,
    'p_preview boolean, p_agreement_id uuid)',
    `p_preview boolean, p_agreement_id uuid, p_approval text DEFAULT 'APPROVED')`,
  );
  out = replaceAll(
    out,
    `    v_governed := p_preview`,
    `    IF p_approval IS NULL OR p_approval NOT IN ('APPROVED', 'ANY') THEN
      RAISE EXCEPTION 'outcome_cells: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    v_governed := p_preview`,
  );
  out = replaceAll(
    out,
    `    IF NOT v_governed THEN
      IF p_agreement_id IS NOT NULL THEN`,
    `    -- Analysts and recipients of agreements only ever get approved data.
    IF v_governed AND p_approval <> 'APPROVED' THEN
      RAISE EXCEPTION 'outcome_cells: governed aggregates count approved data only'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT v_governed THEN
      IF p_agreement_id IS NOT NULL THEN`,
  );
  out = replaceAll(
    out,
    `               v_scoped_projects, p_project_ids, p_community_ids, p_settlement, p_from, p_to,
               p_group_by) r`,
    `               v_scoped_projects, p_project_ids, p_community_ids, p_settlement, p_from, p_to,
               p_group_by, p_approval = 'ANY') r`,
  );
  return out.replace(/^CREATE OR REPLACE FUNCTION/, 'CREATE FUNCTION');
}

/** Added after the tables are distributed (Citus refuses a local table's key to a distributed one). */
const FOREIGN_KEYS = [
  `ALTER TABLE approval_settings ADD CONSTRAINT approval_settings_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE`,
  `ALTER TABLE reporting_periods ADD CONSTRAINT reporting_periods_tenant_id_project_id_fkey FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE`,
  `ALTER TABLE period_transitions ADD CONSTRAINT period_transitions_tenant_id_project_id_period_start_fkey FOREIGN KEY (tenant_id, project_id, period_start) REFERENCES reporting_periods (tenant_id, project_id, period_start) ON DELETE CASCADE`,
  `ALTER TABLE period_transitions ADD CONSTRAINT period_transitions_organisation_id_fkey FOREIGN KEY (organisation_id) REFERENCES organisations (id) ON DELETE RESTRICT`,
  `ALTER TABLE lock_exceptions ADD CONSTRAINT lock_exceptions_tenant_id_project_id_period_start_fkey FOREIGN KEY (tenant_id, project_id, period_start) REFERENCES reporting_periods (tenant_id, project_id, period_start) ON DELETE CASCADE`,
];

/** The period helpers and the guard (see the class comment). */
const FUNCTIONS = [
  // The audit log of activities or measurements the request reads (its own settings decide,
  // never the arguments): a record's history is readable by whoever reads the record, while
  // the audit log itself stays the admins'.
  `CREATE FUNCTION record_history(p_entity_type text, p_ids uuid[])
   RETURNS TABLE (entity_id text, occurred_at timestamptz, action text, principal_kind text,
     principal_id text, organisation_id uuid, before jsonb, after jsonb)
   LANGUAGE plpgsql STABLE SECURITY DEFINER
   SET search_path = public
   AS $$
   BEGIN
     IF p_entity_type IS NULL OR p_entity_type NOT IN ('Activity', 'Measurement') THEN
       RAISE EXCEPTION 'record_history: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
     END IF;
     RETURN QUERY EXECUTE format($q$
       SELECT a.entity_id, a.occurred_at, a.action, a.principal_kind, a.principal_id,
              a.organisation_id, a.before, a.after
         FROM %I r
         JOIN audit_events a ON a.tenant_id = r.tenant_id AND a.entity_type = $1
          AND a.entity_id = r.id::text
        WHERE r.id = ANY ($2) AND r.deleted_at IS NULL
          AND r.tenant_id = ANY (app_uuid_setting('app.tenant_ids'))
          AND (NOT (r.tenant_id = ANY (app_uuid_setting('app.partner_tenant_ids')))
               OR r.project_id = ANY (app_uuid_setting('app.partner_project_ids')))
        ORDER BY a.occurred_at, a.id
     $q$, CASE p_entity_type WHEN 'Activity' THEN 'activities' ELSE 'measurements' END)
     USING p_entity_type, p_ids;
   END $$`,
  `CREATE FUNCTION reporting_period_start(p_length text, p_on date) RETURNS date
   LANGUAGE sql IMMUTABLE PARALLEL SAFE
   AS $$ SELECT date_trunc(lower(p_length), p_on::timestamp)::date $$`,
  // A searched CASE, not `CASE p_length WHEN …`: Citus deparses the simple form of an inlined
  // function wrongly in the statements it sends to the shards (`WHEN NULL::boolean`, "operator
  // does not exist: text = boolean").
  `CREATE FUNCTION reporting_period_end(p_length text, p_on date) RETURNS date
   LANGUAGE sql IMMUTABLE PARALLEL SAFE
   AS $$ SELECT (date_trunc(lower(p_length), p_on::timestamp)
                 + CASE WHEN p_length = 'MONTH' THEN interval '1 month'
                     WHEN p_length = 'QUARTER' THEN interval '3 months' ELSE interval '1 year' END
                 - interval '1 day')::date $$`,
  // Why a period refuses changes of its rows, or NULL when it accepts them.
  `CREATE FUNCTION period_lock_reason(p_state text, p_start date, p_end date, p_window integer,
     p_exception_until timestamptz) RETURNS text
   LANGUAGE sql STABLE
   SET search_path = public
   AS $$
     SELECT CASE
       WHEN p_state = 'APPROVED' THEN format(
         'The period %s to %s of this project is approved: it is read-only until a tenant admin unapproves it',
         p_start, p_end)
       WHEN coalesce(p_window, 0) = 0 OR p_exception_until > now() THEN NULL
       WHEN (now() AT TIME ZONE 'UTC')::date < p_start THEN format(
         'The period %s to %s of this project opens for input on %s', p_start, p_end, p_start)
       WHEN (now() AT TIME ZONE 'UTC')::date > p_end + p_window THEN format(
         'The period %s to %s of this project closed for input on %s (%s days after its end); a tenant admin may grant a lock exception',
         p_start, p_end, p_end + p_window, p_window)
     END
   $$`,
  // The guard: once per statement, over the rows it changed (transition tables), as the
  // summaries' trigger works. See the class comment.
  `CREATE FUNCTION period_lock_guard() RETURNS trigger
   LANGUAGE plpgsql SECURITY DEFINER
   SET search_path = public
   AS $$
   DECLARE
     v_table text := CASE WHEN TG_TABLE_NAME LIKE 'activities%' THEN 'activities' ELSE 'measurements' END;
     v_column text := CASE WHEN TG_TABLE_NAME LIKE 'activities%' THEN 'start_date' ELSE 'measured_on' END;
     v_projects text := 'projects';
     v_periods text := 'reporting_periods';
     v_settings text := 'approval_settings';
     v_exceptions text := 'lock_exceptions';
     v_t uuid[]; v_p uuid[]; v_d date[];
     v_st uuid[]; v_sp uuid[]; v_sd date[]; v_ss text[];
     v_reason text;
     v_wrong bigint;
   BEGIN
     IF TG_TABLE_NAME <> v_table THEN
       -- A shard on a Citus worker: the co-located shards (same hash range) of the others.
       SELECT max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'projects'::regclass),
              max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'reporting_periods'::regclass),
              max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'approval_settings'::regclass),
              max(shard_name(o.logicalrelid, o.shardid)) FILTER (WHERE o.logicalrelid = 'lock_exceptions'::regclass)
         INTO v_projects, v_periods, v_settings, v_exceptions
         FROM pg_dist_shard m
         JOIN pg_dist_shard o ON o.shardminvalue = m.shardminvalue
        WHERE m.logicalrelid = v_table::regclass
          AND shard_name(m.logicalrelid, m.shardid) = TG_TABLE_NAME
          AND o.logicalrelid IN ('projects'::regclass, 'reporting_periods'::regclass,
                                 'approval_settings'::regclass, 'lock_exceptions'::regclass);
       IF v_projects IS NULL OR v_periods IS NULL OR v_settings IS NULL OR v_exceptions IS NULL THEN
         RAISE EXCEPTION 'period_lock_guard: no co-located shards of %', TG_TABLE_NAME;
       END IF;
     END IF;

     -- The owner itself (migrations, seeds, fixtures: connected as the owner, no role
     -- switched to), which could drop this trigger anyway, is not held by it (what it inserts
     -- is approved by the column's default). Requests run as dg_app and are always held.
     IF current_setting('role') = 'none'
        AND pg_has_role(session_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
       RETURN NULL;
     END IF;

     -- The (tenant, project, day) of every row whose data changes, before and after.
     IF TG_OP = 'INSERT' THEN
       IF EXISTS (SELECT 1 FROM new_rows n WHERE n.approval_state <> 'DRAFT') THEN
         RAISE EXCEPTION 'period_lock_guard: a new row starts as DRAFT' USING ERRCODE = 'insufficient_privilege';
       END IF;
       -- Each table's own column, named statically (cheap for bulk inserts); the branch not
       -- taken is never planned.
       IF v_table = 'activities' THEN
         SELECT array_agg(k.t), array_agg(k.p), array_agg(k.d) INTO v_t, v_p, v_d
           FROM (SELECT DISTINCT n.tenant_id, n.project_id, n.start_date FROM new_rows n) AS k (t, p, d);
       ELSE
         SELECT array_agg(k.t), array_agg(k.p), array_agg(k.d) INTO v_t, v_p, v_d
           FROM (SELECT DISTINCT n.tenant_id, n.project_id, n.measured_on FROM new_rows n) AS k (t, p, d);
       END IF;
     ELSIF TG_OP = 'DELETE' THEN
       SELECT array_agg(k.t), array_agg(k.p), array_agg(k.d) INTO v_t, v_p, v_d
         FROM (SELECT DISTINCT o.tenant_id, o.project_id, (to_jsonb(o) ->> v_column)::date
                 FROM old_rows o) AS k (t, p, d);
     ELSE
       -- Following the period's state is no change of the row's data.
       SELECT array_agg(k.t), array_agg(k.p), array_agg(k.d) INTO v_t, v_p, v_d
         FROM (SELECT DISTINCT x.t, x.p, x.d FROM new_rows n
                 JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
                 CROSS JOIN LATERAL (VALUES (n.tenant_id, n.project_id, (to_jsonb(n) ->> v_column)::date),
                                            (o.tenant_id, o.project_id, (to_jsonb(o) ->> v_column)::date)) AS x (t, p, d)
                WHERE (to_jsonb(n) - 'approval_state') IS DISTINCT FROM (to_jsonb(o) - 'approval_state')) AS k;
       SELECT array_agg(n.tenant_id), array_agg(n.project_id),
              array_agg((to_jsonb(n) ->> v_column)::date), array_agg(n.approval_state)
         INTO v_st, v_sp, v_sd, v_ss
         FROM new_rows n JOIN old_rows o ON o.tenant_id = n.tenant_id AND o.id = n.id
        WHERE n.approval_state IS DISTINCT FROM o.approval_state;
     END IF;

     IF v_t IS NOT NULL THEN
       EXECUTE format('INSERT INTO %1$I (tenant_id, project_id, period_start, period_end)
         SELECT DISTINCT k.t, k.p, reporting_period_start(pr.reporting_period, k.d),
                reporting_period_end(pr.reporting_period, k.d)
           FROM unnest($1, $2, $3) AS k (t, p, d)
           JOIN %2$I pr ON pr.tenant_id = k.t AND pr.id = k.p
          WHERE k.d IS NOT NULL
         ON CONFLICT DO NOTHING', v_periods, v_projects) USING v_t, v_p, v_d;
       -- Locked FOR SHARE until the transaction ends: an approval (FOR UPDATE) waits for this
       -- writer, or went first and this writer sees its state now.
       EXECUTE format('SELECT min(x.reason) FROM (
           SELECT period_lock_reason(rp.state, rp.period_start, rp.period_end,
                                     s.input_window_days, e.until) AS reason
             FROM (SELECT DISTINCT * FROM unnest($1, $2, $3)) AS k (t, p, d)
             JOIN %2$I pr ON pr.tenant_id = k.t AND pr.id = k.p
             JOIN %1$I rp ON rp.tenant_id = k.t AND rp.project_id = k.p
              AND rp.period_start = reporting_period_start(pr.reporting_period, k.d)
             LEFT JOIN %3$I s ON s.tenant_id = k.t
             LEFT JOIN (SELECT x.tenant_id, x.project_id, x.period_start, max(x.until) AS until
                          FROM %4$I x GROUP BY 1, 2, 3) e
               ON e.tenant_id = rp.tenant_id AND e.project_id = rp.project_id
              AND e.period_start = rp.period_start
            ORDER BY rp.tenant_id, rp.project_id, rp.period_start
            FOR SHARE OF rp) x',
         v_periods, v_projects, v_settings, v_exceptions) INTO v_reason USING v_t, v_p, v_d;
       IF v_reason IS NOT NULL THEN
         RAISE EXCEPTION '%', v_reason USING ERRCODE = 'DGL01';
       END IF;
     END IF;

     IF v_st IS NOT NULL THEN
       -- A row's state only ever follows its period's (submit, approve, return, unapprove).
       EXECUTE format('SELECT count(*) FROM unnest($1, $2, $3, $4) AS k (t, p, d, s)
           JOIN %2$I pr ON pr.tenant_id = k.t AND pr.id = k.p
           LEFT JOIN %1$I rp ON rp.tenant_id = k.t AND rp.project_id = k.p
            AND rp.period_start = reporting_period_start(pr.reporting_period, k.d)
          WHERE k.s IS DISTINCT FROM coalesce(rp.state, ''DRAFT'')', v_periods, v_projects)
         INTO v_wrong USING v_st, v_sp, v_sd, v_ss;
       IF v_wrong > 0 THEN
         RAISE EXCEPTION 'period_lock_guard: a row''s approval_state follows its period''s'
           USING ERRCODE = 'insufficient_privilege';
       END IF;
     END IF;
     RETURN NULL;
   END $$`,
];

/** Row-level security and grants of the new tables and columns. */
const READ = `(app_uuid_setting('app.tenant_ids'))`;
const PARTNER = `(app_uuid_setting('app.partner_tenant_ids'))`;
const PROJECTS = `(app_uuid_setting('app.partner_project_ids'))`;
const WRITE = `(app_uuid_setting('app.write_tenant_ids'))`;
const ADMIN = `(app_uuid_setting('app.admin_tenant_ids'))`;
const readsProject = `(tenant_id = ANY ${READ} AND (NOT (tenant_id = ANY ${PARTNER}) OR project_id = ANY ${PROJECTS}))`;
const writesProject = `(tenant_id = ANY ${WRITE} AND ${readsProject})`;
const administers = `(tenant_id = ANY ${ADMIN})`;

const SECURITY = [
  ...['approval_settings', 'reporting_periods', 'period_transitions', 'lock_exceptions'].flatMap(
    (table) => [
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`,
    ],
  ),
  `CREATE POLICY read ON approval_settings FOR SELECT USING (tenant_id = ANY ${READ})`,
  `CREATE POLICY write_insert ON approval_settings FOR INSERT WITH CHECK ${administers}`,
  `CREATE POLICY write_update ON approval_settings FOR UPDATE USING ${administers} WITH CHECK ${administers}`,
  `GRANT SELECT, INSERT ON approval_settings TO dg_app`,
  `GRANT UPDATE (input_window_days, self_approval, version, updated_at, updated_by) ON approval_settings TO dg_app`,
  // Writers of a project's rows create its periods (the guard does, as they write) and move
  // them (submitting; approving is the service's check of the admin role on top).
  `CREATE POLICY read ON reporting_periods FOR SELECT USING ${readsProject}`,
  `CREATE POLICY write_insert ON reporting_periods FOR INSERT WITH CHECK ${writesProject}`,
  `CREATE POLICY write_update ON reporting_periods FOR UPDATE USING ${writesProject} WITH CHECK ${writesProject}`,
  `GRANT SELECT, INSERT ON reporting_periods TO dg_app`,
  `GRANT UPDATE (state, version, updated_at) ON reporting_periods TO dg_app`,
  `CREATE POLICY read ON period_transitions FOR SELECT USING ${readsProject}`,
  `CREATE POLICY write_insert ON period_transitions FOR INSERT WITH CHECK
     (${writesProject} AND actor = current_setting('app.actor', true))`,
  `GRANT SELECT, INSERT ON period_transitions TO dg_app`,
  `CREATE POLICY read ON lock_exceptions FOR SELECT USING ${readsProject}`,
  `CREATE POLICY write_insert ON lock_exceptions FOR INSERT WITH CHECK
     (${administers} AND granted_by = current_setting('app.actor', true))`,
  `GRANT SELECT, INSERT ON lock_exceptions TO dg_app`,
  `GRANT UPDATE (approval_state) ON activities, measurements TO dg_app`,
  `GRANT UPDATE (reporting_period) ON projects TO dg_app`,
  `REVOKE ALL ON FUNCTION period_lock_guard() FROM PUBLIC`,
  `REVOKE ALL ON FUNCTION record_history(text, uuid[]) FROM PUBLIC`,
  `GRANT EXECUTE ON FUNCTION record_history(text, uuid[]) TO dg_app`,
  `REVOKE ALL ON FUNCTION period_lock_reason(text, date, date, integer, timestamptz) FROM PUBLIC`,
  `GRANT EXECUTE ON FUNCTION period_lock_reason(text, date, date, integer, timestamptz) TO dg_app`,
  `REVOKE ALL ON FUNCTION reporting_period_start(text, date) FROM PUBLIC`,
  `REVOKE ALL ON FUNCTION reporting_period_end(text, date) FROM PUBLIC`,
  `GRANT EXECUTE ON FUNCTION reporting_period_start(text, date) TO dg_app`,
  `GRANT EXECUTE ON FUNCTION reporting_period_end(text, date) TO dg_app`,
];
