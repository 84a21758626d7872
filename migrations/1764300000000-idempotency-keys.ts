import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of bulk imports (as Stripe and the IETF Idempotency-Key draft keep them):
 * one row per (tenant, principal, key) holding a hash of the request and the response it got.
 * A retry with the same key and body gets the stored response and writes nothing; a
 * concurrent retry waits on the row's lock (the first request's INSERT, uncommitted) and then
 * reads the stored response. Keys are scoped to the principal, so no client ever receives
 * another's response, and kept at least 24 hours (the service treats older ones as unused).
 */
export class IdempotencyKeys1764300000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000000';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
        principal text NOT NULL CHECK (length(principal) BETWEEN 1 AND 100),
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        operation text NOT NULL CHECK (length(operation) BETWEEN 1 AND 100),
        request_hash text NOT NULL,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, principal, key)
      )`);
    // For purging expired keys.
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
    await db.query(`ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY`);
    await db.query(`ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY`);
    await db.query(`CREATE POLICY tenant_isolation ON idempotency_keys
      USING (tenant_id = ANY (app_tenant_ids()))
      WITH CHECK (tenant_id = ANY (app_tenant_ids()))`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO dg_app`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys`);
  }
}
