import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * On Citus, lets the shards of the tables dg_app may insert only some columns of (memberships,
 * api_keys, translations) take the columns the coordinator fills from their volatile defaults
 * (ids, creation times), and changes nothing on plain PostgreSQL.
 *
 * dg_app may insert only some columns of those tables (row-security-everywhere, translations):
 * the id and the creation time come from their defaults. Citus evaluates volatile defaults (gen_random_uuid(),
 * now()) on the coordinator and names those columns in the INSERT it sends to each placement,
 * where the column grant then refuses it ("permission denied for table memberships_102202").
 * The coordinator checks the client's statement against the distributed table's grants, which
 * stay as they are, so a statement naming `id` or `created_at` is still refused there; only
 * the placements, reached through the coordinator, also accept the defaulted columns.
 *
 * `grant_defaulted_columns_on_placements()` does it for every distributed or reference table
 * whose column grants leave out a column with a default, and is safe to call again: after
 * `citus_add_node` copies the reference tables to a new worker, and after shards are moved or
 * split (rebalancing, isolating a tenant), the new placements have the distributed table's
 * grants only, so call it once more (docs/scaling.md). Until then an insert there is refused
 * (permission denied), never widened.
 */
export class CitusShardInsertGrants1796168834387 implements MigrationInterface {
  name = 'CitusShardInsertGrants1796168834387';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION grant_defaulted_columns_on_placements() RETURNS void
      LANGUAGE plpgsql
      SET search_path = public
      AS $$
      DECLARE
        v_table regclass;
        v_columns text;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN RETURN; END IF;
        FOR v_table, v_columns IN
          SELECT p.logicalrelid, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
            FROM pg_dist_partition p
            JOIN pg_attribute a ON a.attrelid = p.logicalrelid AND a.attnum > 0 AND NOT a.attisdropped
            JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           -- Only where dg_app inserts some columns but not this defaulted one.
           WHERE has_table_privilege('dg_app', p.logicalrelid, 'INSERT') IS NOT TRUE
             AND has_any_column_privilege('dg_app', p.logicalrelid, 'INSERT')
             AND NOT has_column_privilege('dg_app', p.logicalrelid, a.attnum, 'INSERT')
           GROUP BY p.logicalrelid
        LOOP
          PERFORM run_command_on_placements(v_table,
            format('GRANT INSERT (%s) ON %%s TO dg_app', v_columns));
        END LOOP;
      END
      $$`);
    await db.query(`REVOKE ALL ON FUNCTION grant_defaulted_columns_on_placements() FROM PUBLIC`);
    await db.query(`SELECT grant_defaulted_columns_on_placements()`);
  }

  public async down(db: QueryRunner): Promise<void> {
    // The placements' extra grants go with the tables (undistribute_table recreates them from
    // the distributed table's own grants).
    await db.query(`DROP FUNCTION grant_defaulted_columns_on_placements()`);
  }
}
