import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The changes feed and the webhooks' outbox (docs/changes-and-webhooks.md).
 *
 * - `change_log`: one row per audited write of a fed type, written by the writer's own
 *   transaction next to its audit row (src/modules/changes/change-log.ts), never by a trigger
 *   (Citus refuses triggers on distributed tables). `txid` is the writer's transaction id:
 *   readers read only below `pg_snapshot_xmin(pg_current_snapshot())`, where every
 *   transaction has ended, so a cursor never steps over one that commits later. It is also
 *   the webhooks' outbox: a row exists if and only if its write committed, and its id is the
 *   `webhook-id` of every delivery of it.
 * - `change_feed_keys`: the key that signs feed cursors (which carry the principal's scope, to
 *   tell which rows fell out of view); only the owner reads it, through `change_feed_key()`.
 * - `change_feed_rows(…)`: the ids (never the content) of the live rows of a scope, so that a
 *   principal who lost a project gets tombstones for rows it can no longer read. It trusts its
 *   arguments the way policies trust the request settings: the service passes only a scope
 *   taken from a cursor this server signed.
 * - `webhook_endpoints`, `webhook_endpoint_secrets` (a rotation inserts a new secret and
 *   gives the old one an end; secrets are never updated, and dg_app cannot read them),
 *   `webhook_deliveries` (one per change and endpoint, with its retry state),
 *   `webhook_attempts` (each HTTP attempt) and `webhook_dispatch_positions` (how far the
 *   worker has fanned the change log out to endpoints, per tenant). The worker runs as the
 *   owner with a platform-wide scope (`set_request_scope`), so policies apply to it too.
 *
 * Every table has a tenant_id: `distribute_tables()` distributes them by it, co-located with
 * projects, except `change_feed_keys` which stays on the coordinator.
 */
export class ChangesFeedAndWebhooks1796168141601 implements MigrationInterface {
  name = 'ChangesFeedAndWebhooks1796168141601';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE change_log (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        entity_type text NOT NULL CHECK (entity_type ~ '^[A-Z][A-Za-z]{1,40}$'),
        entity_id uuid NOT NULL,
        project_id uuid,
        action text NOT NULL CHECK (action ~ '^[A-Z_]{1,20}$'),
        version integer,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`CREATE INDEX change_log_position_idx ON change_log (tenant_id, txid, at, id)`);
    await db.query(`CREATE INDEX change_log_age_idx ON change_log (at)`);

    await db.query(`
      CREATE TABLE change_feed_keys (
        id smallint PRIMARY KEY CHECK (id = 1),
        secret text NOT NULL
      )`);
    // 244 random bits from two version-4 UUIDs: core PostgreSQL has no gen_random_bytes.
    await db.query(`INSERT INTO change_feed_keys (id, secret)
      VALUES (1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''))`);

    await db.query(`
      CREATE TABLE webhook_endpoints (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000),
        description text CHECK (length(description) <= 500),
        event_types text[] NOT NULL CHECK (cardinality(event_types) BETWEEN 1 AND 50),
        disabled_at timestamptz,
        disabled_reason text CHECK (length(disabled_reason) <= 200),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        version integer NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_id, id)
      )`);
    await db.query(`
      CREATE TABLE webhook_endpoint_secrets (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL,
        secret text NOT NULL CHECK (secret ~ '^whsec_[A-Za-z0-9+/=]{20,100}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(`CREATE INDEX webhook_endpoint_secrets_endpoint_idx
      ON webhook_endpoint_secrets (tenant_id, endpoint_id)`);
    await db.query(`
      CREATE TABLE webhook_deliveries (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL,
        change_id uuid NOT NULL,
        event_type text NOT NULL CHECK (length(event_type) <= 80),
        payload jsonb NOT NULL,
        state text NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'DEAD')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz,
        last_status integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, endpoint_id, change_id),
        FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE,
        FOREIGN KEY (tenant_id, change_id) REFERENCES change_log (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX webhook_deliveries_change_idx ON webhook_deliveries (tenant_id, change_id)`,
    );
    await db.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (tenant_id, next_attempt_at)
      WHERE state = 'PENDING'`);
    await db.query(`
      CREATE TABLE webhook_attempts (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        delivery_id uuid NOT NULL,
        attempted_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer NOT NULL,
        status integer,
        error text CHECK (length(error) <= 500),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, id) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (tenant_id, delivery_id)`,
    );
    await db.query(`
      CREATE TABLE webhook_dispatch_positions (
        tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
        txid xid8 NOT NULL,
        at timestamptz NOT NULL,
        change_id uuid NOT NULL
      )`);

    await db.query(`
      CREATE FUNCTION change_feed_key() RETURNS text
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = public
      AS $$ SELECT secret FROM change_feed_keys WHERE id = 1 $$`);
    await db.query(`
      CREATE FUNCTION change_feed_rows(p_tenant uuid, p_full boolean, p_projects uuid[],
        p_communities uuid[])
      RETURNS TABLE (entity_type text, id uuid)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public
      -- PL/pgSQL, not SQL: Citus cannot plan the statements of a SQL function that is not
      -- inlined (this one is SECURITY DEFINER) when they use its parameters.
      AS $$
      BEGIN
        RETURN QUERY
        SELECT 'Project'::text, p.id FROM projects p
         WHERE p.tenant_id = p_tenant AND (p_full OR p.id = ANY (p_projects))
        UNION ALL
        SELECT 'Community', c.id FROM communities c
         WHERE c.tenant_id = p_tenant AND (p_full OR c.id = ANY (p_communities))
        UNION ALL
        SELECT 'Activity', a.id FROM activities a
         WHERE a.tenant_id = p_tenant AND a.deleted_at IS NULL AND (p_full OR a.project_id = ANY (p_projects))
        UNION ALL
        SELECT 'Measurement', m.id FROM measurements m
         WHERE m.tenant_id = p_tenant AND m.deleted_at IS NULL AND (p_full OR m.project_id = ANY (p_projects))
        UNION ALL
        SELECT 'Indicator', i.id FROM indicators i WHERE i.tenant_id = p_tenant;
      END
      $$`);
    // The feed's horizon: the oldest transaction that was running when the caller's snapshot
    // was taken, leaving out those seen running in another database (which cannot write this
    // change log; a shared server would otherwise hold every feed back). A transaction that
    // ended since, or whose database cannot be seen, is counted: late, never wrong.
    await db.query(`
      CREATE FUNCTION change_feed_horizon() RETURNS xid8
      LANGUAGE sql STABLE SECURITY DEFINER
      SET search_path = pg_catalog, public
      AS $$
        WITH s AS (SELECT pg_current_snapshot() AS snap),
        elsewhere AS (
          SELECT a.backend_xid::text AS xid FROM pg_stat_activity a
           WHERE a.backend_xid IS NOT NULL AND a.datname IS DISTINCT FROM current_database())
        SELECT coalesce(
          (SELECT min(x) FROM s, pg_snapshot_xip(s.snap) AS x
            WHERE (x::text::numeric % 4294967296)::text NOT IN (SELECT xid FROM elsewhere)),
          (SELECT pg_snapshot_xmax(snap) FROM s))
      $$`);
    for (const fn of [
      'change_feed_key()',
      'change_feed_horizon()',
      'change_feed_rows(uuid, boolean, uuid[], uuid[])',
    ]) {
      await db.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await db.query(`GRANT EXECUTE ON FUNCTION ${fn} TO dg_app`);
    }

    const tables = [
      'change_log',
      'change_feed_keys',
      'webhook_endpoints',
      'webhook_endpoint_secrets',
      'webhook_deliveries',
      'webhook_attempts',
      'webhook_dispatch_positions',
    ];
    for (const table of tables) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    for (const statement of POLICIES_AND_GRANTS) await db.query(statement);
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`SELECT distribute_tables()`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION change_feed_rows(uuid, boolean, uuid[], uuid[])`);
    await db.query(`DROP FUNCTION change_feed_key()`);
    await db.query(`DROP FUNCTION change_feed_horizon()`);
    for (const table of [
      'webhook_dispatch_positions',
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_endpoint_secrets',
      'webhook_endpoints',
      'change_feed_keys',
      'change_log',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}

const READ = `(app_uuid_setting('app.tenant_ids'))`;
const PARTNER = `(app_uuid_setting('app.partner_tenant_ids'))`;
const PROJECTS = `(app_uuid_setting('app.partner_project_ids'))`;
const ADMIN = `(app_uuid_setting('app.admin_tenant_ids'))`;
const administers = `(tenant_id = ANY ${ADMIN})`;

/*
 * Policies in the form Citus accepts (no sub-query; see policies-without-subqueries). A
 * partner reads the change-log rows of its projects and the tenant's indicators; the service
 * narrows further (communities of its projects) with the scope it signs into the cursor.
 */
const POLICIES_AND_GRANTS: string[] = [
  `CREATE POLICY read ON change_log FOR SELECT USING (tenant_id = ANY ${READ} AND (
     NOT (tenant_id = ANY ${PARTNER}) OR project_id = ANY ${PROJECTS}
     OR entity_type IN ('Community', 'Indicator')))`,
  `CREATE POLICY append ON change_log FOR INSERT WITH CHECK (tenant_id = ANY ${READ})`,
  // Retention: the worker, as the owner with the platform scope, deletes expired rows.
  `CREATE POLICY purge ON change_log FOR DELETE USING ${administers}`,
  `GRANT SELECT, INSERT ON change_log TO dg_app`,

  `CREATE POLICY owner_only ON change_feed_keys FOR SELECT USING (true)`,

  `CREATE POLICY administered ON webhook_endpoints USING ${administers} WITH CHECK ${administers}`,
  `GRANT SELECT, INSERT ON webhook_endpoints TO dg_app`,
  `GRANT UPDATE (disabled_at, disabled_reason, updated_at, version) ON webhook_endpoints TO dg_app`,

  `CREATE POLICY administered ON webhook_endpoint_secrets USING ${administers} WITH CHECK ${administers}`,
  `GRANT SELECT (tenant_id, id, endpoint_id, created_at, expires_at) ON webhook_endpoint_secrets TO dg_app`,
  `GRANT INSERT (tenant_id, endpoint_id, secret) ON webhook_endpoint_secrets TO dg_app`,
  `GRANT UPDATE (expires_at) ON webhook_endpoint_secrets TO dg_app`,

  `CREATE POLICY administered ON webhook_deliveries USING ${administers} WITH CHECK ${administers}`,
  `GRANT SELECT ON webhook_deliveries TO dg_app`,
  `GRANT UPDATE (state, attempts, next_attempt_at, updated_at) ON webhook_deliveries TO dg_app`,

  `CREATE POLICY administered ON webhook_attempts USING ${administers} WITH CHECK ${administers}`,
  `GRANT SELECT ON webhook_attempts TO dg_app`,

  `CREATE POLICY administered ON webhook_dispatch_positions USING ${administers} WITH CHECK ${administers}`,
];
