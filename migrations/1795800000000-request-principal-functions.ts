import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The queries that open every request (src/auth/authenticate.ts) as PL/pgSQL functions, whose
 * plans PostgreSQL keeps for the life of the connection: as plain SQL they were planned again
 * on every request, which cost more than running them. Each returns the principal's row and
 * sets `app.tenant_ids` for the transaction, exactly as the inline queries did. They run as
 * the connecting (owner) role before the request drops to dg_app, so nobody else may call them.
 */
export class RequestPrincipalFunctions1795800000000 implements MigrationInterface {
  name = 'RequestPrincipalFunctions1795800000000';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
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
      END $$`);
    // A key acts for its organisation with the roles the organisation holds in the key's
    // tenants, so it can never exceed them; its scopes narrow what it may do with them.
    await db.query(`
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
      END $$`);
    await db.query(`REVOKE EXECUTE ON FUNCTION request_user_principal(text) FROM PUBLIC`);
    await db.query(`REVOKE EXECUTE ON FUNCTION request_key_principal(text) FROM PUBLIC`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION request_key_principal(text)`);
    await db.query(`DROP FUNCTION request_user_principal(text)`);
  }
}
