import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Layer 3 of DESIGN §3 on every table dg_app can reach, not only the programme tables: the
 * database enforces by itself what the principal may read and change, whatever SQL the
 * service sends.
 *
 * The request preamble (`request_user_principal` / `request_key_principal`, redefined here)
 * sets, transaction-locally:
 *
 * - `app.tenant_ids`          tenants whose rows the principal reads (unchanged meaning);
 * - `app.partner_tenant_ids`  among them, those it reads only through partner projects;
 * - `app.partner_project_ids` the projects of those tenants its organisation implements or
 *                             partners in (computed from project_organisations at the start);
 * - `app.write_tenant_ids`    tenants where it writes programme rows (partners: their projects);
 * - `app.admin_tenant_ids`    tenants it administers (memberships, keys, audit, agreements);
 * - `app.actor`               `user:<id>` or `apikey:<id>`, the owner of idempotency keys.
 *
 * Unset or empty means none. Policies read each setting once per statement (an InitPlan:
 * `((SELECT app_uuid_setting(…)))`), not once per row.
 *
 * Grants are narrowed to what the service does: the application role may UPDATE only the
 * columns a mutation changes (never tenant_id, id, created_by or created_at, never an API
 * key's secret, prefix, scopes or tenants, never a membership's user, organisation or role),
 * and reads no API key secret hash and no user's identity-provider subject. A revoked
 * membership, key or agreement cannot be revived: its UPDATE policy accepts only the
 * revocation itself.
 *
 * Memberships also become invitations: one granted by e-mail address is stored with
 * `invited_email` and no user until a user with that address signs in, when the preamble
 * binds it (so an administrator learns nothing about which addresses have accounts).
 */
export class RowSecurityEverywhere1796156237055 implements MigrationInterface {
  name = 'RowSecurityEverywhere1796156237055';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION app_uuid_setting(p_name text) RETURNS uuid[]
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT coalesce(string_to_array(nullif(current_setting(p_name, true), ''), ',')::uuid[], '{}') $$`);

    // Invitations: a membership bound to an e-mail address until its user signs in.
    await db.query(`ALTER TABLE memberships ALTER COLUMN user_id DROP NOT NULL`);
    await db.query(`ALTER TABLE memberships ADD COLUMN invited_email text
      CONSTRAINT memberships_invited_email_check CHECK (length(invited_email) BETWEEN 3 AND 320)`);
    await db.query(`ALTER TABLE memberships ADD CONSTRAINT memberships_holder_check
      CHECK (user_id IS NOT NULL OR invited_email IS NOT NULL)`);
    await db.query(`CREATE UNIQUE INDEX memberships_pending_invitation_uq ON memberships
      (tenant_id, lower(invited_email), organisation_id, role)
      WHERE user_id IS NULL AND revoked_at IS NULL`);
    // The preamble's lookup of a signing-in user's pending invitations.
    await db.query(`CREATE INDEX memberships_pending_email_idx ON memberships (lower(invited_email))
      WHERE user_id IS NULL AND revoked_at IS NULL`);

    for (const table of ALL_TABLES) {
      for (const policy of await policiesOf(db, table)) {
        await db.query(`DROP POLICY ${policy} ON ${table}`);
      }
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await db.query(`REVOKE ALL ON ${table} FROM dg_app`);
    }
    for (const statement of POLICIES_AND_GRANTS) await db.query(statement);

    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(`DROP FUNCTION request_key_principal(text)`);
    await db.query(SET_REQUEST_SCOPE);
    await db.query(REQUEST_USER_PRINCIPAL);
    await db.query(REQUEST_KEY_PRINCIPAL);
    for (const fn of [
      'set_request_scope(uuid[], uuid[], text[], boolean, boolean, boolean, text)',
      'request_user_principal(text)',
      'request_key_principal(text)',
    ]) {
      await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
    }
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION request_key_principal(text)`);
    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(
      `DROP FUNCTION set_request_scope(uuid[], uuid[], text[], boolean, boolean, boolean, text)`,
    );
    await db.query(PREVIOUS_REQUEST_USER_PRINCIPAL);
    await db.query(PREVIOUS_REQUEST_KEY_PRINCIPAL);
    await db.query(`REVOKE EXECUTE ON FUNCTION request_user_principal(text) FROM PUBLIC`);
    await db.query(`REVOKE EXECUTE ON FUNCTION request_key_principal(text) FROM PUBLIC`);

    for (const table of ALL_TABLES) {
      for (const policy of await policiesOf(db, table)) {
        await db.query(`DROP POLICY ${policy} ON ${table}`);
      }
      await db.query(`REVOKE ALL ON ${table} FROM dg_app`);
    }
    // As the earlier migrations left them.
    for (const table of ['tenants', 'organisations', 'users', 'api_keys']) {
      await db.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    for (const table of [...PREVIOUS_TENANT_TABLES, 'idempotency_keys']) {
      await db.query(`CREATE POLICY tenant_isolation ON ${table}
        USING (tenant_id = ANY (app_tenant_ids()))
        WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);
    }
    await db.query(`CREATE POLICY global_or_tenant ON indicators
      USING (tenant_id IS NULL OR tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id IS NULL OR tenant_id = ANY (app_tenant_ids()))`);
    await db.query(`GRANT SELECT ON tenants, organisations, users TO dg_app`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON projects, project_organisations,
      communities, project_communities, activities, measurements, indicators, memberships,
      sharing_agreements, api_keys, idempotency_keys TO dg_app`);
    await db.query(`GRANT SELECT, INSERT ON audit_events TO dg_app`);

    // Invitations cannot be memberships of the old shape: they go.
    await db.query(`DELETE FROM memberships WHERE user_id IS NULL`);
    await db.query(`DROP INDEX memberships_pending_email_idx`);
    await db.query(`DROP INDEX memberships_pending_invitation_uq`);
    await db.query(`ALTER TABLE memberships DROP CONSTRAINT memberships_holder_check`);
    await db.query(`ALTER TABLE memberships DROP COLUMN invited_email`);
    await db.query(`ALTER TABLE memberships ALTER COLUMN user_id SET NOT NULL`);
    await db.query(`DROP FUNCTION app_uuid_setting(text)`);
  }
}

async function policiesOf(db: QueryRunner, table: string): Promise<string[]> {
  const rows = (await db.query(
    `SELECT quote_ident(polname) AS name FROM pg_policy WHERE polrelid = $1::regclass`,
    [table],
  )) as { name: string }[];
  return rows.map((row) => row.name);
}

const ALL_TABLES = [
  'tenants',
  'organisations',
  'users',
  'memberships',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'indicators',
  'activities',
  'measurements',
  'api_keys',
  'audit_events',
  'sharing_agreements',
  'idempotency_keys',
  'outcome_series',
  'outcome_totals',
];

const PREVIOUS_TENANT_TABLES = [
  'memberships',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'activities',
  'measurements',
  'audit_events',
  'sharing_agreements',
  'outcome_series',
  'outcome_totals',
];

// The settings as arrays, each evaluated once per statement (a sub-select is an InitPlan; the
// cast keeps "= ANY" reading it as an array rather than as the rows of a subquery).
const setting = (name: string) => `((SELECT app_uuid_setting('${name}'))::uuid[])`;
const READ = setting('app.tenant_ids');
const PARTNER = setting('app.partner_tenant_ids');
const PROJECTS = setting('app.partner_project_ids');
const WRITE = setting('app.write_tenant_ids');
const ADMIN = setting('app.admin_tenant_ids');
const ACTOR = `(SELECT current_setting('app.actor', true))`;

/** A tenant read in full (not through partner projects only). */
const readsTenantInFull = (t: string) => `(${t} = ANY ${READ} AND NOT (${t} = ANY ${PARTNER}))`;
/** A project the principal reads: of a tenant read in full, or one of its partner projects. */
const readsProject = (t: string, p: string) =>
  `(${t} = ANY ${READ} AND (NOT (${t} = ANY ${PARTNER}) OR ${p} = ANY ${PROJECTS}))`;
/** Projects, communities, indicators and their links: admins' writes, never partners'. */
const writesTenant = (t: string) => `(${t} = ANY ${WRITE} AND NOT (${t} = ANY ${PARTNER}))`;
/** Activities and measurements: in a writable tenant, of a project the principal reads. */
const writesProject = (t: string, p: string) => `(${t} = ANY ${WRITE} AND ${readsProject(t, p)})`;
const administers = (t: string) => `(${t} = ANY ${ADMIN})`;
/** An API key belongs to whoever administers every one of its tenants. */
const ADMINISTERED_KEY = `(cardinality(tenant_ids) > 0 AND tenant_ids <@ ${ADMIN})`;

/** SELECT, INSERT, UPDATE and DELETE policies and grants of a table written by `check`. */
function writable(
  table: string,
  read: string,
  check: string,
  grants: { update: string[] | null; delete: boolean },
): string[] {
  return [
    `CREATE POLICY read ON ${table} FOR SELECT USING ${read}`,
    `CREATE POLICY write_insert ON ${table} FOR INSERT WITH CHECK ${check}`,
    ...(grants.update
      ? [
          `CREATE POLICY write_update ON ${table} FOR UPDATE USING ${check} WITH CHECK ${check}`,
          `GRANT UPDATE (${grants.update.join(', ')}) ON ${table} TO dg_app`,
        ]
      : []),
    ...(grants.delete
      ? [
          `CREATE POLICY write_delete ON ${table} FOR DELETE USING ${check}`,
          `GRANT DELETE ON ${table} TO dg_app`,
        ]
      : []),
    `GRANT SELECT, INSERT ON ${table} TO dg_app`,
  ];
}

/** Columns every versioned update sets. */
const VERSIONED = ['version', 'updated_at', 'updated_by'];

const POLICIES_AND_GRANTS: string[] = [
  // Public reference data (country codes, organisation names): read by everyone, written by
  // migrations and seeds only.
  `CREATE POLICY reference_data ON tenants FOR SELECT USING (true)`,
  `GRANT SELECT ON tenants TO dg_app`,
  `CREATE POLICY reference_data ON organisations FOR SELECT USING (true)`,
  `GRANT SELECT ON organisations TO dg_app`,

  // A user is visible to the administrators of a tenant where it holds (or held) a membership;
  // the identity provider's subject never is.
  `CREATE POLICY administered_users ON users FOR SELECT USING (EXISTS (
     SELECT 1 FROM memberships m WHERE m.user_id = users.id AND ${administers('m.tenant_id')}))`,
  `GRANT SELECT (id, email, display_name) ON users TO dg_app`,

  // Memberships: administrators grant and revoke; nothing else changes.
  `CREATE POLICY administered ON memberships FOR SELECT USING ${administers('tenant_id')}`,
  `CREATE POLICY grant_membership ON memberships FOR INSERT WITH CHECK ${administers('tenant_id')}`,
  `CREATE POLICY revoke_membership ON memberships FOR UPDATE
     USING (${administers('tenant_id')} AND revoked_at IS NULL)
     WITH CHECK (${administers('tenant_id')} AND revoked_at IS NOT NULL)`,
  `GRANT SELECT ON memberships TO dg_app`,
  `GRANT INSERT (tenant_id, user_id, invited_email, organisation_id, role, created_by)
     ON memberships TO dg_app`,
  `GRANT UPDATE (revoked_at) ON memberships TO dg_app`,

  ...writable('projects', readsProject('tenant_id', 'id'), writesTenant('tenant_id'), {
    update: ['code', 'name', 'description', 'status', 'start_date', 'end_date', ...VERSIONED],
    delete: true,
  }),
  // Links go with their project (ON DELETE CASCADE runs as the owner).
  ...writable(
    'project_organisations',
    readsProject('tenant_id', 'project_id'),
    writesTenant('tenant_id'),
    { update: null, delete: false },
  ),
  ...writable(
    'project_communities',
    readsProject('tenant_id', 'project_id'),
    writesTenant('tenant_id'),
    { update: null, delete: false },
  ),
  ...writable(
    'communities',
    `(tenant_id = ANY ${READ} AND (NOT (tenant_id = ANY ${PARTNER}) OR EXISTS (
       SELECT 1 FROM project_communities pc
        WHERE pc.tenant_id = communities.tenant_id AND pc.community_id = communities.id
          AND pc.project_id = ANY ${PROJECTS})))`,
    writesTenant('tenant_id'),
    {
      update: [
        'name',
        'region',
        'district',
        'settlement',
        'households',
        'population',
        ...VERSIONED,
      ],
      delete: true,
    },
  ),
  // Global indicators (no tenant) are read by all and written by no request.
  ...writable(
    'indicators',
    `(tenant_id IS NULL OR tenant_id = ANY ${READ})`,
    writesTenant('tenant_id'),
    {
      update: ['code', 'name', 'description', 'unit', 'direction', ...VERSIONED],
      delete: true,
    },
  ),
  // Deleted softly (deleted_at), never for real.
  ...writable(
    'activities',
    readsProject('tenant_id', 'project_id'),
    writesProject('tenant_id', 'project_id'),
    {
      update: [
        'project_id',
        'community_id',
        'type',
        'title',
        'start_date',
        'end_date',
        'facilitator_organisation_id',
        'participants_female',
        'participants_male',
        'participants_other',
        'age_band',
        'external_id',
        'deleted_at',
        ...VERSIONED,
      ],
      delete: false,
    },
  ),
  ...writable(
    'measurements',
    readsProject('tenant_id', 'project_id'),
    writesProject('tenant_id', 'project_id'),
    {
      update: [
        'indicator_id',
        'project_id',
        'community_id',
        'period',
        'measured_on',
        'value',
        'sample_size',
        'sex',
        'age_band',
        'source',
        'external_id',
        'deleted_at',
        ...VERSIONED,
      ],
      delete: false,
    },
  ),

  // API keys: managed by whoever administers all of a key's tenants; the secret's hash is
  // written once and never read back (the preamble reads it as the owner).
  `CREATE POLICY administered ON api_keys FOR SELECT USING ${ADMINISTERED_KEY}`,
  `CREATE POLICY create_key ON api_keys FOR INSERT WITH CHECK ${ADMINISTERED_KEY}`,
  `CREATE POLICY revoke_key ON api_keys FOR UPDATE
     USING (${ADMINISTERED_KEY} AND revoked_at IS NULL)
     WITH CHECK (${ADMINISTERED_KEY} AND revoked_at IS NOT NULL)`,
  `GRANT SELECT (id, organisation_id, name, prefix, tenant_ids, scopes, expires_at, revoked_at,
     last_used_at, created_by, created_at) ON api_keys TO dg_app`,
  `GRANT INSERT (organisation_id, name, prefix, secret_hash, tenant_ids, scopes, expires_at,
     created_by) ON api_keys TO dg_app`,
  `GRANT UPDATE (revoked_at) ON api_keys TO dg_app`,

  // The audit log: every request that writes appends to its tenants' log; administrators read.
  `CREATE POLICY administered ON audit_events FOR SELECT USING ${administers('tenant_id')}`,
  `CREATE POLICY append ON audit_events FOR INSERT WITH CHECK (tenant_id = ANY ${READ})`,
  `GRANT SELECT, INSERT ON audit_events TO dg_app`,

  `CREATE POLICY administered ON sharing_agreements FOR SELECT USING ${administers('tenant_id')}`,
  `CREATE POLICY approve ON sharing_agreements FOR INSERT WITH CHECK ${administers('tenant_id')}`,
  `CREATE POLICY revoke_agreement ON sharing_agreements FOR UPDATE
     USING (${administers('tenant_id')} AND revoked_at IS NULL)
     WITH CHECK (${administers('tenant_id')} AND revoked_at IS NOT NULL)`,
  `GRANT SELECT, INSERT ON sharing_agreements TO dg_app`,
  `GRANT UPDATE (revoked_at, version, updated_at) ON sharing_agreements TO dg_app`,

  // A principal's own keys only, in tenants where it writes: no client ever sees another's.
  `CREATE POLICY own_keys ON idempotency_keys
     USING (tenant_id = ANY ${WRITE} AND principal = ${ACTOR})
     WITH CHECK (tenant_id = ANY ${WRITE} AND principal = ${ACTOR})`,
  `GRANT SELECT, INSERT, DELETE ON idempotency_keys TO dg_app`,
  `GRANT UPDATE (operation, request_hash, response, created_at) ON idempotency_keys TO dg_app`,

  // Derived sums, read and maintained only by SECURITY DEFINER functions: dg_app holds no
  // privilege on them. The policies say what it would see if it did.
  `CREATE POLICY read ON outcome_series FOR SELECT USING ${readsProject('tenant_id', 'project_id')}`,
  `CREATE POLICY read ON outcome_totals FOR SELECT USING ${readsTenantInFull('tenant_id')}`,
];

/**
 * Sets the request's scope (the settings above) from its grants — (tenant, organisation, role)
 * triples — and returns `app.tenant_ids`. `p_reads`/`p_writes`/`p_administers`: whether the
 * credential may use its roles to read rows, write, administer (an API key's scopes). As
 * Access (src/auth/access.ts) derives it: admins read their tenants in full; partner editors and
 * viewers read, in tenants they do not administer, the projects their organisation implements
 * or partners in; analysts read no rows. `SET LOCAL` with quoted literals, the form that also
 * reaches Citus workers.
 */
const SET_REQUEST_SCOPE = `
  CREATE FUNCTION set_request_scope(p_tenant uuid[], p_organisation uuid[], p_role text[],
    p_reads boolean, p_writes boolean, p_administers boolean, p_actor text)
  RETURNS text
  LANGUAGE plpgsql
  SET search_path = public
  AS $$
  DECLARE
    v_read uuid[];
    v_full uuid[];
    v_partner uuid[];
    v_projects uuid[];
    v_write uuid[];
    v_admin uuid[];
  BEGIN
    IF cardinality(p_tenant) IS DISTINCT FROM cardinality(p_organisation)
       OR cardinality(p_tenant) IS DISTINCT FROM cardinality(p_role) THEN
      RAISE EXCEPTION 'set_request_scope: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_reads AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN', 'PARTNER_EDITOR', 'PARTNER_VIEWER')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_reads AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_writes AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN', 'PARTNER_EDITOR')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_administers AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN'))
      INTO v_read, v_full, v_write, v_admin;
    v_partner := ARRAY(SELECT t FROM unnest(v_read) AS t WHERE NOT (t = ANY (v_full)));
    v_projects := ARRAY(
      SELECT DISTINCT po.project_id
        FROM unnest(p_tenant, p_organisation, p_role) AS g (t, o, r)
        JOIN project_organisations po ON po.tenant_id = g.t AND po.organisation_id = g.o
       WHERE g.r IN ('PARTNER_EDITOR', 'PARTNER_VIEWER') AND g.t = ANY (v_partner)
         AND po.role IN ('IMPLEMENTER', 'PARTNER'));
    EXECUTE format('SET LOCAL app.tenant_ids = %L', array_to_string(v_read, ','));
    EXECUTE format('SET LOCAL app.partner_tenant_ids = %L', array_to_string(v_partner, ','));
    EXECUTE format('SET LOCAL app.partner_project_ids = %L', array_to_string(v_projects, ','));
    EXECUTE format('SET LOCAL app.write_tenant_ids = %L', array_to_string(v_write, ','));
    EXECUTE format('SET LOCAL app.admin_tenant_ids = %L', array_to_string(v_admin, ','));
    EXECUTE format('SET LOCAL app.actor = %L', coalesce(p_actor, ''));
    RETURN array_to_string(v_read, ',');
  END $$`;

/**
 * The user of a token's subject, its grants, and its scope set for the transaction. Binds
 * the user's pending invitations first (an invitation to a role the user already holds is
 * void), auditing each. An unknown subject returns no row and sets nothing.
 */
const REQUEST_USER_PRINCIPAL = `
  CREATE FUNCTION request_user_principal(p_subject text)
  RETURNS TABLE (id uuid, platform_admin boolean, grants json, all_tenants json, tenant_ids text)
  LANGUAGE plpgsql
  SET search_path = public
  AS $$
  #variable_conflict use_column
  DECLARE
    v_user users%ROWTYPE;
    v_tenant uuid[];
    v_organisation uuid[];
    v_role text[];
    v_tenant_ids text;
  BEGIN
    SELECT * INTO v_user FROM users u WHERE u.subject = p_subject;
    IF NOT FOUND THEN RETURN; END IF;
    IF EXISTS (SELECT 1 FROM memberships m WHERE lower(m.invited_email) = lower(v_user.email)
                  AND m.user_id IS NULL AND m.revoked_at IS NULL) THEN
      BEGIN
        UPDATE memberships m SET revoked_at = now()
         WHERE lower(m.invited_email) = lower(v_user.email) AND m.user_id IS NULL
           AND m.revoked_at IS NULL
           AND EXISTS (SELECT 1 FROM memberships h
                        WHERE h.tenant_id = m.tenant_id AND h.user_id = v_user.id
                          AND h.organisation_id = m.organisation_id AND h.role = m.role
                          AND h.revoked_at IS NULL);
        WITH bound AS (
          UPDATE memberships m SET user_id = v_user.id
           WHERE lower(m.invited_email) = lower(v_user.email) AND m.user_id IS NULL
             AND m.revoked_at IS NULL
          RETURNING m.tenant_id, m.id, m.organisation_id
        )
        INSERT INTO audit_events (tenant_id, principal_kind, principal_id, organisation_id,
               action, entity_type, entity_id, after)
        SELECT b.tenant_id, 'USER', v_user.id::text, b.organisation_id, 'ACCEPT',
               'TenantMembership', b.id::text, jsonb_build_object('userId', v_user.id)
          FROM bound b;
      EXCEPTION WHEN unique_violation THEN
        -- The same role granted by id meanwhile: the invitation waits for the next request.
        NULL;
      END;
    END IF;
    IF v_user.platform_admin THEN
      SELECT array_agg(t.id ORDER BY t.code), array_agg(NULL::uuid), array_agg('PLATFORM_ADMIN'::text)
        INTO v_tenant, v_organisation, v_role FROM tenants t;
    ELSE
      SELECT array_agg(m.tenant_id), array_agg(m.organisation_id), array_agg(m.role)
        INTO v_tenant, v_organisation, v_role
        FROM memberships m WHERE m.user_id = v_user.id AND m.revoked_at IS NULL;
    END IF;
    v_tenant_ids := set_request_scope(coalesce(v_tenant, '{}'), coalesce(v_organisation, '{}'),
      coalesce(v_role, '{}'), true, true, true, 'user:' || v_user.id);
    RETURN QUERY
    SELECT v_user.id, v_user.platform_admin,
      (SELECT coalesce(json_agg(json_build_object('tenantId', m.tenant_id, 'tenantCode', t.code,
          'organisationId', m.organisation_id, 'role', m.role)), '[]')
         FROM memberships m JOIN tenants t ON t.id = m.tenant_id
        WHERE m.user_id = v_user.id AND m.revoked_at IS NULL),
      (SELECT coalesce(json_agg(json_build_object('tenantId', t.id, 'tenantCode', t.code)), '[]')
         FROM tenants t WHERE v_user.platform_admin),
      v_tenant_ids;
  END $$`;

// A key acts for its organisation with the roles the organisation holds in the key's tenants,
// so it can never exceed them; its scopes narrow what it may do with them. A revoked or
// expired key returns no row and sets nothing.
const REQUEST_KEY_PRINCIPAL = `
  CREATE FUNCTION request_key_principal(p_prefix text)
  RETURNS TABLE (id uuid, organisation_id uuid, secret_hash bytea, scopes text[],
                 last_used_at timestamptz, grants json, tenant_ids text)
  LANGUAGE plpgsql
  SET search_path = public
  AS $$
  #variable_conflict use_column
  DECLARE
    v_key api_keys%ROWTYPE;
    v_grants json;
    v_tenant uuid[];
    v_organisation uuid[];
    v_role text[];
  BEGIN
    SELECT * INTO v_key FROM api_keys k
     WHERE k.prefix = p_prefix AND k.revoked_at IS NULL
       AND (k.expires_at IS NULL OR k.expires_at > now());
    IF NOT FOUND THEN RETURN; END IF;
    WITH g AS (
      SELECT DISTINCT m.tenant_id, t.code, m.organisation_id, m.role
        FROM memberships m JOIN tenants t ON t.id = m.tenant_id
       WHERE m.organisation_id = v_key.organisation_id AND m.tenant_id = ANY (v_key.tenant_ids)
         AND m.revoked_at IS NULL
    )
    SELECT coalesce(json_agg(json_build_object('tenantId', g.tenant_id, 'tenantCode', g.code,
             'organisationId', g.organisation_id, 'role', g.role)), '[]'),
           coalesce(array_agg(g.tenant_id), '{}'), coalesce(array_agg(g.organisation_id), '{}'),
           coalesce(array_agg(g.role), '{}')
      INTO v_grants, v_tenant, v_organisation, v_role FROM g;
    RETURN QUERY
    SELECT v_key.id, v_key.organisation_id, v_key.secret_hash, v_key.scopes, v_key.last_used_at,
      v_grants,
      set_request_scope(v_tenant, v_organisation, v_role,
        v_key.scopes && ARRAY['read', 'write', 'admin'], 'write' = ANY (v_key.scopes),
        'admin' = ANY (v_key.scopes), 'apikey:' || v_key.id);
  END $$`;

// migrations/1795800000000-request-principal-functions.ts, for down().
const PREVIOUS_REQUEST_USER_PRINCIPAL = `
  CREATE FUNCTION request_user_principal(p_subject text)
  RETURNS TABLE (id uuid, platform_admin boolean, grants json, all_tenants json,
                 tenant_ids text)
  LANGUAGE plpgsql AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    WITH u AS (SELECT id, subject, platform_admin FROM users WHERE subject = p_subject),
    g AS (
      SELECT m.tenant_id, t.code, m.organisation_id, m.role
      FROM u JOIN memberships m ON m.user_id = u.id AND m.revoked_at IS NULL
      JOIN tenants t ON t.id = m.tenant_id
    )
    SELECT u.id, u.platform_admin,
      (SELECT coalesce(json_agg(json_build_object('tenantId', g.tenant_id, 'tenantCode', g.code,
        'organisationId', g.organisation_id, 'role', g.role)), '[]') FROM g),
      (SELECT coalesce(json_agg(json_build_object('tenantId', t.id, 'tenantCode', t.code)), '[]')
        FROM tenants t WHERE u.platform_admin),
      set_config('app.tenant_ids', CASE
        WHEN u.platform_admin THEN (SELECT coalesce(string_agg(t.id::text, ','), '') FROM tenants t)
        ELSE (SELECT coalesce(string_agg(DISTINCT g.tenant_id::text, ','), '') FROM g
              WHERE g.role <> 'AGGREGATE_ANALYST') END, true)
    FROM u;
  END $$`;

const PREVIOUS_REQUEST_KEY_PRINCIPAL = `
  CREATE FUNCTION request_key_principal(p_prefix text)
  RETURNS TABLE (id uuid, organisation_id uuid, secret_hash bytea, scopes text[],
                 last_used_at timestamptz, grants json, tenant_ids text)
  LANGUAGE plpgsql AS $$
  #variable_conflict use_column
  BEGIN
    RETURN QUERY
    WITH k AS (SELECT * FROM api_keys WHERE prefix = p_prefix),
    g AS (
      SELECT DISTINCT m.tenant_id, t.code, m.organisation_id, m.role
      FROM k JOIN memberships m ON m.organisation_id = k.organisation_id
        AND m.tenant_id = ANY (k.tenant_ids) AND m.revoked_at IS NULL
      JOIN tenants t ON t.id = m.tenant_id
    )
    SELECT k.id, k.organisation_id, k.secret_hash, k.scopes, k.last_used_at,
      (SELECT coalesce(json_agg(json_build_object('tenantId', g.tenant_id, 'tenantCode', g.code,
        'organisationId', g.organisation_id, 'role', g.role)), '[]') FROM g),
      set_config('app.tenant_ids', CASE
        WHEN k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
          AND k.scopes && ARRAY['read', 'write', 'admin']
        THEN (SELECT coalesce(string_agg(DISTINCT g.tenant_id::text, ','), '') FROM g
              WHERE g.role <> 'AGGREGATE_ANALYST')
        ELSE '' END, true)
    FROM k
    WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now());
  END $$`;
