import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Languages written by requests (issue 21, after 1796168758186-translations):
 *
 * - A write may now say which language a row's texts are in, and change it later: the
 *   application role may update `source_language` of the tenant rows it writes (the
 *   row-security policies of those tables decide which rows, as for any other column).
 * - A tenant's administrators choose the languages their tenant offers. Tenants are global
 *   reference data that no request writes directly (a Citus reference table: an UPDATE by
 *   dg_app would be checked on every node, where the request's settings do not reach), so
 *   the one way is `set_tenant_languages`, which runs as the owner and checks for itself,
 *   from the request's own settings, that the caller administers the tenant — as
 *   `set_organisation_iati_identifier` does for organisations.
 */
export class SourceLanguagesAndTenantLanguages1796183082589 implements MigrationInterface {
  name = 'SourceLanguagesAndTenantLanguages1796183082589';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    const citus =
      ((await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[]).length >
      0;
    // Citus refuses to modify a reference table (indicators) after a parallel command on a
    // distributed one in the same transaction: run this migration's commands sequentially.
    if (citus) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
    await db.query(
      `GRANT UPDATE (source_language) ON projects, communities, activities, indicators TO dg_app`,
    );
    await db.query(`ALTER TABLE tenants ADD CONSTRAINT tenants_enabled_languages_tags_check
      CHECK (array_position(enabled_languages, NULL) IS NULL
        AND cardinality(enabled_languages) <= 50
        AND ${TAGS('enabled_languages')})`);
    await db.query(`
      CREATE FUNCTION set_tenant_languages(p_tenant uuid, p_languages text[],
        p_expected_version integer)
      RETURNS TABLE (id uuid, enabled_languages text[], version integer)
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER
      SET search_path = public
      AS $$
      #variable_conflict use_column
      BEGIN
        IF p_tenant IS NULL OR NOT (p_tenant = ANY (app_uuid_setting('app.admin_tenant_ids'))) THEN
          RAISE EXCEPTION 'set_tenant_languages: administrators of the tenant only'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN QUERY
        UPDATE tenants t
           SET enabled_languages = p_languages, version = t.version + 1, updated_at = now()
         WHERE t.id = p_tenant AND t.version = p_expected_version
        RETURNING t.id, t.enabled_languages, t.version;
      END $$`);
    await db.query(
      `REVOKE ALL ON FUNCTION set_tenant_languages(uuid, text[], integer) FROM PUBLIC`,
    );
    await db.query(
      `GRANT EXECUTE ON FUNCTION set_tenant_languages(uuid, text[], integer) TO dg_app`,
    );
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`DROP FUNCTION set_tenant_languages(uuid, text[], integer)`);
    await db.query(`ALTER TABLE tenants DROP CONSTRAINT tenants_enabled_languages_tags_check`);
    await db.query(
      `REVOKE UPDATE (source_language) ON projects, communities, activities, indicators FROM dg_app`,
    );
  }
}

/** Every element a BCP 47 tag of the shapes the translation tables accept. */
const TAGS = (column: string) =>
  `array_to_string(${column}, ',') ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(,[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?)*$'`;

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
