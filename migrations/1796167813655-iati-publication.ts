import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IATI publication (docs/iati.md):
 *
 * - `organisations.iati_identifier`: an organisation's IATI organisation identifier
 *   (`GB-CHC-327553`, `GB-GOV-1`, `XM-DAC-41146`), the registration agency's prefix and the
 *   number it gave. Organisations are global reference data that no request writes; the one
 *   way a request changes an identifier is `set_organisation_iati_identifier`, which runs as
 *   the owner and checks for itself, from the request's own settings (`app.principal`, set by
 *   the preamble from the credential), that the caller is a platform administrator. A function
 *   rather than a policy and a column grant because organisations are a Citus reference table:
 *   an UPDATE by dg_app would be checked on every node, where `app.principal` (set with
 *   set_config) does not reach.
 * - API keys get an `iati` scope: publishing a tenant's IATI file with the key organisation's
 *   admin role there. The export reads the tenant's projects and outcome cells, so the scope
 *   reads at the database layer (`set_request_scope`'s p_reads); the API layers give an
 *   `iati`-only key nothing but the export.
 */
export class IatiPublication1796167813655 implements MigrationInterface {
  name = 'IatiPublication1796167813655';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE organisations ADD COLUMN iati_identifier text
      CONSTRAINT organisations_iati_identifier_check
      CHECK (length(iati_identifier) <= 100
             AND iati_identifier ~ '^[A-Z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._-]+$')`);

    await db.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await db.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
      CHECK (scopes <@ ARRAY['read', 'write', 'aggregate', 'admin', 'iati'])`);

    await db.query(`
      CREATE FUNCTION set_organisation_iati_identifier(p_organisation uuid, p_identifier text,
        p_expected_version integer)
      RETURNS TABLE (id uuid, name text, kind text, iati_identifier text, version integer)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public
      AS $$
      #variable_conflict use_column
      DECLARE
        v_principal text := nullif(current_setting('app.principal', true), '');
      BEGIN
        IF v_principal IS NULL OR v_principal !~ '^USER:[0-9a-f-]{36}$' OR NOT EXISTS (
             SELECT 1 FROM users u
              WHERE u.id = substr(v_principal, 6)::uuid AND u.platform_admin) THEN
          RAISE EXCEPTION 'set_organisation_iati_identifier: platform administrators only'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN QUERY
        UPDATE organisations o
           SET iati_identifier = nullif(btrim(p_identifier), ''), version = o.version + 1,
               updated_at = now()
         WHERE o.id = p_organisation AND o.version = p_expected_version
        RETURNING o.id, o.name, o.kind, o.iati_identifier, o.version;
      END $$`);
    await db.query(
      `REVOKE ALL ON FUNCTION set_organisation_iati_identifier(uuid, text, integer) FROM PUBLIC`,
    );
    await db.query(
      `GRANT EXECUTE ON FUNCTION set_organisation_iati_identifier(uuid, text, integer) TO dg_app`,
    );

    await db.query(requestKeyPrincipal(`ARRAY['read', 'write', 'admin', 'iati']`));
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(requestKeyPrincipal(`ARRAY['read', 'write', 'admin']`));
    await db.query(`DROP FUNCTION set_organisation_iati_identifier(uuid, text, integer)`);
    await db.query(`UPDATE api_keys SET scopes = array_remove(scopes, 'iati')`);
    await db.query(`ALTER TABLE api_keys DROP CONSTRAINT api_keys_scopes_check`);
    await db.query(`ALTER TABLE api_keys ADD CONSTRAINT api_keys_scopes_check
      CHECK (scopes <@ ARRAY['read', 'write', 'aggregate', 'admin'])`);
    await db.query(`ALTER TABLE organisations DROP COLUMN iati_identifier`);
  }
}

/**
 * migrations/1796156237055-row-security-everywhere.ts's request_key_principal, with the scopes
 * that read rows at the database layer as given. CREATE OR REPLACE keeps its ACL (owner only).
 */
function requestKeyPrincipal(readingScopes: string): string {
  return `
  CREATE OR REPLACE FUNCTION request_key_principal(p_prefix text)
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
        v_key.scopes && ${readingScopes}, 'write' = ANY (v_key.scopes),
        'admin' = ANY (v_key.scopes), 'apikey:' || v_key.id);
  END $$`;
}
