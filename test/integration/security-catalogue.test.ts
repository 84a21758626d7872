import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/*
 * Layer 3 of DESIGN §3 read from the catalogue, so that a table, column or function added
 * later without its guard fails here: every table the application role can reach has
 * row-level security forced and a policy for each command it may run; it may UPDATE only the
 * columns listed below; and every SECURITY DEFINER function is one a test calls with hostile
 * arguments.
 */

/**
 * The columns dg_app may UPDATE, per table: what the mutations change. Anything else (an id,
 * a tenant, an author, a secret, a key's scopes or tenants, a membership's user or role) it
 * has no business changing. A table missing here may grant no UPDATE at all.
 */
const UPDATABLE: Readonly<Record<string, readonly string[]>> = {
  activities: [
    'age_band',
    'approval_state',
    'community_id',
    'deleted_at',
    'end_date',
    'external_id',
    'facilitator_organisation_id',
    'participants_female',
    'participants_male',
    'participants_other',
    'project_id',
    'source_language',
    'start_date',
    'title',
    'type',
    'updated_at',
    'updated_by',
    'version',
  ],
  api_keys: ['revoked_at'],
  // The approval module's (migrations/*approval-and-locks*): who moved a period lives in its
  // append-only history, so no author column is ever updated.
  approval_settings: ['input_window_days', 'self_approval', 'updated_at', 'updated_by', 'version'],
  communities: [
    'district',
    'households',
    'name',
    'population',
    'region',
    'settlement',
    'source_language',
    'updated_at',
    'updated_by',
    'version',
  ],
  idempotency_keys: ['created_at', 'operation', 'request_hash', 'response'],
  // An import job's progress, by the principal that started it (import_job_rows: INSERT only).
  import_jobs: [
    'applied',
    'batches_done',
    'created',
    'finished_at',
    'invalid',
    'last_error',
    'lease_until',
    'rows_done',
    'state',
    'unchanged',
    'updated',
    'updated_at',
  ],
  indicators: [
    'code',
    'description',
    'direction',
    'name',
    'source_language',
    'unit',
    'updated_at',
    'updated_by',
    'version',
  ],
  measurements: [
    'age_band',
    'approval_state',
    'community_id',
    'deleted_at',
    'external_id',
    'indicator_id',
    'measured_on',
    'period',
    'project_id',
    'sample_size',
    'sex',
    'source',
    'updated_at',
    'updated_by',
    'value',
    'version',
  ],
  memberships: ['revoked_at'],
  projects: [
    'code',
    'description',
    'end_date',
    'name',
    'reporting_period',
    'source_language',
    'start_date',
    'status',
    'updated_at',
    'updated_by',
    'version',
  ],
  reporting_periods: ['state', 'updated_at', 'version'],
  sharing_agreements: ['revoked_at', 'updated_at', 'version'],
  webhook_deliveries: ['attempts', 'next_attempt_at', 'state', 'updated_at'],
  webhook_endpoint_secrets: ['expires_at'],
  webhook_endpoints: ['disabled_at', 'disabled_reason', 'updated_at', 'version'],
  // Issue 21: a translation's text changes; what it translates never does.
  translations: ['updated_at', 'updated_by', 'value'],
};

/** Columns no table lets dg_app change, whatever table is added later. */
const NEVER_UPDATED = [
  'id',
  'tenant_id',
  'tenant_ids',
  'created_by',
  'recorded_by_organisation_id',
  'secret_hash',
  'prefix',
  'scopes',
  'principal',
  'role',
  'user_id',
  'approved_by',
  'platform_admin',
  'subject',
];

/**
 * SECURITY DEFINER functions and the test that calls each with hostile arguments. A new one
 * fails the catalogue test until it is added here with its test.
 */
const TESTED_DEFINERS: Readonly<Record<string, string>> = {
  // The outcome module's (migrations/1796156655380-disclosure-control.ts): every cell and
  // audit row from the request's own settings, never from arguments.
  outcome_cells:
    'test/integration/disclosure-attacks.test.ts (hostile calls to the database, as the application role)',
  sharing_agreements_in_force:
    'test/integration/disclosure-attacks.test.ts (takes no argument; hostile calls to the database)',
  // A trigger function: no one can call it with arguments of their own.
  outcome_series_refresh: 'trigger only',
  // migrations/1796158337366-policies-without-subqueries.ts: the users policy's question.
  app_administers_user: 'test/integration/security-rls.test.ts (users: called with any id)',
  iati_published_cells:
    'test/integration/iati-export.test.ts (refuses a tenant the settings do not read in full, and no tenant)',
  set_organisation_iati_identifier:
    'test/integration/iati-export.test.ts (as the application role, with every principal but a platform admin)',
  change_feed_key:
    'test/integration/changes-feed.test.ts (takes no argument; a cursor signed with another key is refused)',
  change_feed_horizon:
    'test/integration/changes-feed.test.ts (takes no argument; concurrent writers)',
  change_feed_rows:
    'test/integration/changes-feed.test.ts (ids only; a forged cursor naming other projects is refused before it is called)',
  // migrations/*approval-and-locks*: the period guard (a trigger) and a record's history.
  period_lock_guard: 'trigger only',
  record_history:
    'test/integration/approval-locks.test.ts (hostile calls, as the application role)',
  // migrations/*source-languages-and-tenant-languages*: a tenant's languages, by its admins.
  set_tenant_languages:
    'test/integration/translations-writes.test.ts (as the application role, with the settings of another tenant’s admin)',
  // migrations/*activity-title-search*: ids of matching activities within the request's scope.
  search_activity_ids:
    'test/integration/translations-writes.test.ts (as the application role, with another tenant’s and another partner’s settings)',
};

/** Functions the request preamble runs as the owner: never callable by the application role. */
const OWNER_ONLY = [
  'request_disclosure_settings',
  'request_key_principal',
  'request_user_principal',
  'set_request_scope',
];

describe('the catalogue', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const sql = <R>(text: string, params: unknown[] = []) => db.dataSource.query<R[]>(text, params);

  it('dg_app is no superuser, has no BYPASSRLS and cannot log in (but on Citus, which connects to the workers as it)', async () => {
    const [citus] = await sql<{ on: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS on`,
    );
    const rows = await sql(
      `SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb
         FROM pg_roles WHERE rolname = $1`,
      [APPLICATION_ROLE],
    );
    expect(rows).toEqual([
      {
        rolsuper: false,
        rolbypassrls: false,
        rolcanlogin: citus!.on,
        rolcreaterole: false,
        rolcreatedb: false,
      },
    ]);
  });

  it('dg_app owns no table, view, sequence or function, and inherits no role that bypasses RLS', async () => {
    const owned = await sql(
      `SELECT c.relname FROM pg_class c WHERE pg_get_userbyid(c.relowner) = $1
       UNION ALL
       SELECT p.proname FROM pg_proc p WHERE pg_get_userbyid(p.proowner) = $1`,
      [APPLICATION_ROLE],
    );
    expect(owned).toEqual([]);
    const granted = await sql(
      `SELECT r.rolname FROM pg_auth_members m
         JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles a ON a.oid = m.member
        WHERE a.rolname = $1 AND (r.rolsuper OR r.rolbypassrls)`,
      [APPLICATION_ROLE],
    );
    expect(granted).toEqual([]);
  });

  /** Every table outside the system schemas with what dg_app may do on it. */
  async function tables() {
    return sql<{
      table: string;
      enabled: boolean;
      forced: boolean;
      commands: string[];
      policies: string[];
    }>(
      `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              array_remove(ARRAY[
                CASE WHEN has_table_privilege($1, c.oid, 'SELECT')
                       OR has_any_column_privilege($1, c.oid, 'SELECT') THEN 'r' END,
                CASE WHEN has_table_privilege($1, c.oid, 'INSERT')
                       OR has_any_column_privilege($1, c.oid, 'INSERT') THEN 'a' END,
                CASE WHEN has_table_privilege($1, c.oid, 'UPDATE')
                       OR has_any_column_privilege($1, c.oid, 'UPDATE') THEN 'w' END,
                CASE WHEN has_table_privilege($1, c.oid, 'DELETE') THEN 'd' END,
                CASE WHEN has_table_privilege($1, c.oid, 'TRUNCATE') THEN 'TRUNCATE' END,
                CASE WHEN has_table_privilege($1, c.oid, 'REFERENCES') THEN 'REFERENCES' END,
                CASE WHEN has_table_privilege($1, c.oid, 'TRIGGER') THEN 'TRIGGER' END], NULL) AS commands,
              ARRAY(SELECT p.polcmd::text FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
          AND c.relkind IN ('r', 'p')
        ORDER BY 1`,
      [APPLICATION_ROLE],
    );
  }

  it('every table dg_app can reach has row-level security enabled and forced, with a policy for each command it may run', async () => {
    const reachable = (await tables()).filter((t) => t.commands.length > 0);
    expect(reachable.map((t) => t.table)).toEqual(
      expect.arrayContaining(['api_keys', 'memberships', 'users', 'tenants', 'idempotency_keys']),
    );
    for (const t of reachable) {
      const uncovered = t.commands.filter(
        (cmd) => !t.policies.includes(cmd) && !t.policies.includes('*'),
      );
      expect({ table: t.table, enabled: t.enabled, forced: t.forced, uncovered }).toEqual({
        table: t.table,
        enabled: true,
        forced: true,
        uncovered: [],
      });
    }
  });

  it('every table of the schema has row-level security forced, reachable or not (the migrations table aside)', async () => {
    const unguarded = (await tables()).filter(
      (t) => t.table !== 'typeorm_migrations' && !(t.enabled && t.forced && t.policies.length > 0),
    );
    expect(unguarded).toEqual([]);
    expect((await tables()).find((t) => t.table === 'typeorm_migrations')?.commands).toEqual([]);
  });

  it('dg_app may UPDATE exactly the columns the mutations change, and never an id, tenant, author or secret', async () => {
    const rows = await sql<{ table: string; column: string }>(
      `SELECT c.relname AS table, a.attname AS column
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'p')
          AND has_column_privilege($1, c.oid, a.attnum, 'UPDATE')
        ORDER BY 1, 2`,
      [APPLICATION_ROLE],
    );
    const byTable: Record<string, string[]> = {};
    for (const row of rows) (byTable[row.table] ??= []).push(row.column);
    expect(byTable).toEqual(UPDATABLE);
    expect(rows.filter((row) => NEVER_UPDATED.includes(row.column))).toEqual([]);
  });

  it('dg_app reads no API key secret and no identity-provider subject', async () => {
    const rows = await sql(
      `SELECT c.relname AS table, a.attname AS column
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE (c.relname, a.attname) IN (('api_keys', 'secret_hash'), ('users', 'subject'), ('users', 'platform_admin'))
          AND has_column_privilege($1, c.oid, a.attnum, 'SELECT')`,
      [APPLICATION_ROLE],
    );
    expect(rows).toEqual([]);
  });

  /**
   * A relation of an extension's own (Citus's pg_dist_* sequences; its citus_tables and
   * citus_schemas views, which list table names and sizes, never a row): not the schema's.
   */
  const EXTENSION_MEMBER = `EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                             AND d.objid = c.oid AND d.deptype = 'e')`;

  it('no sequence, and no table through PUBLIC, is granted to anyone but the owner', async () => {
    const sequences = await sql(
      `SELECT c.relname FROM pg_class c WHERE c.relkind = 'S'
          AND (has_sequence_privilege($1, c.oid, 'USAGE') OR has_sequence_privilege($1, c.oid, 'SELECT')
               OR has_sequence_privilege($1, c.oid, 'UPDATE'))
          AND NOT ${EXTENSION_MEMBER}`,
      [APPLICATION_ROLE],
    );
    expect(sequences).toEqual([]);
    const publicGrants = await sql(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
              aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) AS acl
        WHERE n.nspname = 'public' AND acl.grantee = 0 AND NOT ${EXTENSION_MEMBER}`,
    );
    expect(publicGrants).toEqual([]);
  });

  it('no view lets dg_app read around the policies (none without security_invoker)', async () => {
    const views = await sql(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND c.relkind IN ('v', 'm')
          AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
          AND has_table_privilege($1, c.oid, 'SELECT') AND NOT ${EXTENSION_MEMBER}`,
      [APPLICATION_ROLE],
    );
    expect(views).toEqual([]);
  });

  /** Functions of the schema (extensions' own aside), with who may run them and as whom. */
  async function functions() {
    return sql<{ name: string; definer: boolean; executable: boolean; pinned: boolean }>(
      `SELECT p.proname AS name, p.prosecdef AS definer,
              has_function_privilege($1, p.oid, 'EXECUTE') AS executable,
              coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) AS c WHERE c LIKE 'search_path=%'), false) AS pinned
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                            AND d.objid = p.oid AND d.deptype = 'e')
        ORDER BY 1`,
      [APPLICATION_ROLE],
    );
  }

  it('every SECURITY DEFINER function is a known one with a hostile-argument test, and pins its search_path', async () => {
    const definers = (await functions()).filter((f) => f.definer);
    expect(definers.map((f) => f.name).sort()).toEqual(Object.keys(TESTED_DEFINERS).sort());
    expect(definers.filter((f) => !f.pinned)).toEqual([]);
  });

  it('the preamble’s functions run as the owner only: dg_app (and PUBLIC) cannot call them to set a scope of its choosing', async () => {
    const preamble = (await functions()).filter((f) => OWNER_ONLY.includes(f.name));
    expect(preamble.map((f) => [f.name, f.executable, f.definer, f.pinned])).toEqual(
      OWNER_ONLY.map((name) => [name, false, false, true]),
    );
    const publicGrants = await sql(
      `SELECT p.proname FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS acl
        WHERE p.proname = ANY ($1::text[]) AND acl.grantee = 0`,
      [OWNER_ONLY],
    );
    expect(publicGrants).toEqual([]);
  });

  it('every other function dg_app can call runs with dg_app’s own rights (SECURITY INVOKER)', async () => {
    const callable = (await functions()).filter(
      (f) => f.executable && f.definer && !(f.name in TESTED_DEFINERS),
    );
    expect(callable).toEqual([]);
  });
});
