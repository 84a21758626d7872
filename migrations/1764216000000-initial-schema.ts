import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The domain of DESIGN §2.
 *
 * Every tenant-owned table keys on (tenant_id, id) and every reference to another tenant
 * table carries tenant_id, so a row of one country can never point at a row of another
 * (and the layout distributes on Citus by tenant_id). Row-level security is forced on every
 * tenant table; the application role `dg_app` owns nothing and cannot bypass it.
 */
export class InitialSchema1764216000000 implements MigrationInterface {
  name = 'InitialSchema1764216000000';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    // The role every request runs as (SET LOCAL ROLE). Roles are cluster-wide, so parallel
    // migrations of several databases may race to create it.
    await db.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dg_app') THEN
          CREATE ROLE dg_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await db.query(`
      DO $$
      BEGIN
        EXECUTE format('GRANT dg_app TO %I', current_user);
      EXCEPTION WHEN duplicate_object OR unique_violation OR invalid_grant_operation THEN NULL;
      END $$`);
    await db.query(`GRANT USAGE ON SCHEMA public TO dg_app`);

    // The tenants a request may touch, set per transaction by set_config('app.tenant_ids', …, true).
    // Unset or empty means none.
    await db.query(`
      CREATE FUNCTION app_tenant_ids() RETURNS uuid[]
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT string_to_array(nullif(current_setting('app.tenant_ids', true), ''), ',')::uuid[] $$`);

    await db.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z]{2}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        default_locale text NOT NULL DEFAULT 'en',
        timezone text NOT NULL DEFAULT 'UTC',
        min_cell_size integer NOT NULL DEFAULT 10 CHECK (min_cell_size >= 3),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE organisations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 300),
        kind text NOT NULL CHECK (kind IN ('IMPLEMENTER', 'PARTNER_NGO', 'UN_AGENCY', 'DONOR',
          'GOVERNMENT', 'RELIGIOUS_INSTITUTION', 'COMMUNITY_GROUP')),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subject text NOT NULL UNIQUE,
        email text NOT NULL UNIQUE,
        display_name text NOT NULL,
        platform_admin boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE memberships (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        role text NOT NULL CHECK (role IN ('TENANT_ADMIN', 'PARTNER_EDITOR', 'PARTNER_VIEWER',
          'AGGREGATE_ANALYST')),
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE UNIQUE INDEX memberships_active_uq ON memberships
      (tenant_id, user_id, organisation_id, role) WHERE revoked_at IS NULL`);
    await db.query(`CREATE INDEX memberships_user_idx ON memberships (user_id)`);
    await db.query(`CREATE INDEX memberships_organisation_idx ON memberships (organisation_id)`);

    await db.query(`
      CREATE TABLE projects (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        code text NOT NULL CHECK (length(code) BETWEEN 1 AND 50),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        description text,
        status text NOT NULL CHECK (status IN ('PLANNED', 'ACTIVE', 'CLOSED')),
        start_date date NOT NULL,
        end_date date,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, code),
        CHECK (end_date IS NULL OR end_date >= start_date)
      )`);
    await db.query(`CREATE INDEX projects_tenant_name_idx ON projects (tenant_id, name, id)`);
    await db.query(
      `CREATE INDEX projects_tenant_start_idx ON projects (tenant_id, start_date, id)`,
    );
    await db.query(`CREATE INDEX projects_name_trgm_idx ON projects USING gin (name gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE project_organisations (
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        role text NOT NULL CHECK (role IN ('IMPLEMENTER', 'DONOR', 'PARTNER')),
        PRIMARY KEY (tenant_id, project_id, organisation_id, role),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX project_organisations_org_idx
      ON project_organisations (tenant_id, organisation_id, project_id)`);
    await db.query(`CREATE UNIQUE INDEX project_organisations_one_implementer_uq
      ON project_organisations (tenant_id, project_id) WHERE role = 'IMPLEMENTER'`);

    await db.query(`
      CREATE TABLE communities (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        region text NOT NULL CHECK (length(region) BETWEEN 1 AND 200),
        district text NOT NULL CHECK (length(district) BETWEEN 1 AND 200),
        settlement text NOT NULL CHECK (settlement IN ('RURAL', 'URBAN')),
        households integer CHECK (households >= 0),
        population integer CHECK (population >= 0),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX communities_tenant_name_idx ON communities (tenant_id, name, id)`);
    await db.query(`CREATE INDEX communities_tenant_region_idx
      ON communities (tenant_id, region, district)`);
    await db.query(`CREATE INDEX communities_name_trgm_idx
      ON communities USING gin (name gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE project_communities (
        tenant_id uuid NOT NULL,
        project_id uuid NOT NULL,
        community_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, project_id, community_id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, community_id) REFERENCES communities (tenant_id, id)
          ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX project_communities_community_idx
      ON project_communities (tenant_id, community_id, project_id)`);

    await db.query(`
      CREATE TABLE indicators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants (id) ON DELETE RESTRICT,
        code text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{1,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
        description text,
        unit text NOT NULL CHECK (unit IN ('PERCENT', 'COUNT', 'CURRENCY', 'SCORE', 'INDEX')),
        direction text NOT NULL CHECK (direction IN ('DECREASE_IS_BETTER', 'INCREASE_IS_BETTER')),
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text
      )`);
    // One code per tenant, and global codes unique among themselves.
    await db.query(`CREATE UNIQUE INDEX indicators_code_uq
      ON indicators (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'::uuid), code)`);
    await db.query(`CREATE INDEX indicators_tenant_idx ON indicators (tenant_id)`);

    await db.query(`
      CREATE TABLE activities (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        project_id uuid NOT NULL,
        community_id uuid,
        type text NOT NULL CHECK (type IN ('TRAINING', 'INDUCTION_MEETING', 'STUDY_VISIT',
          'COMMUNITY_DIALOGUE', 'RELIGIOUS_LEADER_SESSION', 'SAVINGS_GROUP',
          'PSYCHOSOCIAL_SUPPORT', 'ADVOCACY_EVENT', 'REFERRAL')),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
        start_date date NOT NULL,
        end_date date,
        facilitator_organisation_id uuid REFERENCES organisations (id) ON DELETE RESTRICT,
        participants_female integer NOT NULL DEFAULT 0 CHECK (participants_female BETWEEN 0 AND 100000),
        participants_male integer NOT NULL DEFAULT 0 CHECK (participants_male BETWEEN 0 AND 100000),
        participants_other integer NOT NULL DEFAULT 0 CHECK (participants_other BETWEEN 0 AND 100000),
        age_band text CHECK (age_band IN ('UNDER_18', 'AGE_18_24', 'AGE_25_49', 'AGE_50_PLUS', 'MIXED')),
        recorded_by_organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
        deleted_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, recorded_by_organisation_id, external_id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE RESTRICT,
        FOREIGN KEY (tenant_id, community_id) REFERENCES communities (tenant_id, id)
          ON DELETE RESTRICT,
        CHECK (end_date IS NULL OR end_date >= start_date)
      )`);
    await db.query(`CREATE INDEX activities_project_start_idx
      ON activities (tenant_id, project_id, start_date DESC, id DESC)`);
    await db.query(`CREATE INDEX activities_community_start_idx
      ON activities (tenant_id, community_id, start_date DESC, id DESC)`);
    await db.query(`CREATE INDEX activities_tenant_start_idx
      ON activities (tenant_id, start_date, id)`);
    await db.query(`CREATE INDEX activities_tenant_type_idx ON activities (tenant_id, type)`);
    await db.query(`CREATE INDEX activities_facilitator_idx
      ON activities (facilitator_organisation_id)`);
    await db.query(`CREATE INDEX activities_recorded_by_idx
      ON activities (recorded_by_organisation_id)`);
    await db.query(`CREATE INDEX activities_title_trgm_idx
      ON activities USING gin (title gin_trgm_ops)`);

    await db.query(`
      CREATE TABLE measurements (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        indicator_id uuid NOT NULL REFERENCES indicators (id) ON DELETE RESTRICT,
        project_id uuid NOT NULL,
        community_id uuid,
        period text NOT NULL CHECK (period IN ('BASELINE', 'MIDLINE', 'ENDLINE', 'ROUTINE')),
        measured_on date NOT NULL,
        value numeric(18, 4) NOT NULL,
        sample_size integer CHECK (sample_size >= 0),
        sex text CHECK (sex IN ('FEMALE', 'MALE', 'OTHER')),
        age_band text CHECK (age_band IN ('UNDER_18', 'AGE_18_24', 'AGE_25_49', 'AGE_50_PLUS', 'MIXED')),
        source text CHECK (length(source) <= 1000),
        recorded_by_organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
        deleted_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        created_by text,
        updated_by text,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, recorded_by_organisation_id, external_id),
        FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE RESTRICT,
        FOREIGN KEY (tenant_id, community_id) REFERENCES communities (tenant_id, id)
          ON DELETE RESTRICT
      )`);
    await db.query(`CREATE INDEX measurements_community_idx
      ON measurements (tenant_id, community_id, measured_on DESC, id DESC)`);
    await db.query(`CREATE INDEX measurements_project_idx
      ON measurements (tenant_id, project_id, measured_on, id)`);
    await db.query(`CREATE INDEX measurements_indicator_idx
      ON measurements (tenant_id, indicator_id, period, measured_on)`);
    await db.query(`CREATE INDEX measurements_indicator_fk_idx ON measurements (indicator_id)`);
    await db.query(`CREATE INDEX measurements_tenant_measured_idx
      ON measurements (tenant_id, measured_on, id)`);
    await db.query(`CREATE INDEX measurements_recorded_by_idx
      ON measurements (recorded_by_organisation_id)`);

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{8,16}$'),
        secret_hash bytea NOT NULL,
        tenant_ids uuid[] NOT NULL,
        scopes text[] NOT NULL CHECK (scopes <@ ARRAY['read', 'write', 'aggregate', 'admin']),
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_by text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX api_keys_organisation_idx ON api_keys (organisation_id)`);

    await db.query(`
      CREATE TABLE audit_events (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        request_id text,
        principal_kind text NOT NULL CHECK (principal_kind IN ('USER', 'API_KEY', 'SYSTEM')),
        principal_id text NOT NULL,
        organisation_id uuid REFERENCES organisations (id) ON DELETE RESTRICT,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text,
        before jsonb,
        after jsonb,
        details jsonb,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX audit_events_tenant_time_idx
      ON audit_events (tenant_id, occurred_at DESC, id DESC)`);
    await db.query(`CREATE INDEX audit_events_entity_idx
      ON audit_events (tenant_id, entity_type, entity_id)`);
    await db.query(`CREATE INDEX audit_events_organisation_idx ON audit_events (organisation_id)`);

    await db.query(`
      CREATE TABLE sharing_agreements (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        recipient_organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE RESTRICT,
        indicator_ids uuid[] NOT NULL,
        allowed_group_by text[] NOT NULL,
        finest_level text NOT NULL CHECK (finest_level IN ('TENANT', 'REGION', 'PROJECT')),
        min_cell_size integer NOT NULL CHECK (min_cell_size >= 3),
        valid_from timestamptz NOT NULL,
        expires_at timestamptz,
        approved_by text NOT NULL,
        approved_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        CHECK (NOT ('COMMUNITY' = ANY (allowed_group_by))),
        CHECK (expires_at IS NULL OR expires_at > valid_from)
      )`);
    await db.query(`CREATE INDEX sharing_agreements_recipient_idx
      ON sharing_agreements (recipient_organisation_id, tenant_id)`);

    // Row-level security: a request sees only the tenants of its principal.
    for (const table of TENANT_TABLES) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      await db.query(`CREATE POLICY tenant_isolation ON ${table}
        USING (tenant_id = ANY (app_tenant_ids()))
        WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);
    }
    await db.query(`ALTER TABLE indicators ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE indicators FORCE ROW LEVEL SECURITY`);
    await db.query(`CREATE POLICY global_or_tenant ON indicators
      USING (tenant_id IS NULL OR tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id IS NULL OR tenant_id = ANY (app_tenant_ids()))`);

    // The application role reads reference data, writes programme data, and may only append
    // to the audit log.
    await db.query(`GRANT SELECT ON tenants, organisations, users TO dg_app`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON projects, project_organisations,
      communities, project_communities, activities, measurements, indicators, memberships,
      sharing_agreements, api_keys TO dg_app`);
    await db.query(`GRANT SELECT, INSERT ON audit_events TO dg_app`);
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'sharing_agreements',
      'audit_events',
      'api_keys',
      'measurements',
      'activities',
      'indicators',
      'project_communities',
      'communities',
      'project_organisations',
      'projects',
      'memberships',
      'users',
      'organisations',
      'tenants',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
    await db.query(`DROP FUNCTION app_tenant_ids()`);
    // dg_app is shared by every database of the cluster, so it stays.
  }
}

const TENANT_TABLES = [
  'memberships',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'activities',
  'measurements',
  'audit_events',
  'sharing_agreements',
];
