import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distributes the tables over a Citus cluster when the database is one, and changes nothing on
 * plain PostgreSQL (docs/scaling.md).
 *
 * `distribute_tables()` puts every table of the schema in its place and is safe to call again:
 * a migration that adds a table calls it after creating the table.
 * - Reference tables (a copy on every node): tenants, organisations, users, indicators (global
 *   ones have no tenant) and api_keys (an organisation's, across tenants).
 * - Every other table with a `tenant_id` is distributed by it, co-located with `projects`, so
 *   that all of one tenant's rows live in one shard group and its queries route to one node.
 * - Everything else (the migrations table) stays on the coordinator.
 *
 * Citus refuses a foreign key between a distributed table and one it does not manage yet, so
 * the function drops the foreign keys that touch the tables it moves and recreates them after.
 * It also lets the application role log in: Citus opens its connections to the workers as the
 * current role, which is dg_app after `SET LOCAL ROLE` (deployments give it a password or a
 * certificate on the workers; the test cluster trusts loopback).
 */
export class CitusDistribution1796163080935 implements MigrationInterface {
  name = 'CitusDistribution1796163080935';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION distribute_tables() RETURNS void
      LANGUAGE plpgsql
      SET search_path = public
      AS $$
      DECLARE
        v_reference constant text[] := ARRAY['tenants', 'organisations', 'users', 'memberships', 'indicators',
                                             'api_keys'];
        v_moving text[];
        v_foreign_keys text[];
        v_table text;
        v_statement text;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN RETURN; END IF;
        SELECT array_agg(c.relname::text ORDER BY c.relname <> 'projects', c.relname) INTO v_moving
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid AND p.partmethod = 'h')
           AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid AND p.partmethod = 'n'
                             AND p.repmodel = 't')
           AND (c.relname = ANY (v_reference) OR EXISTS (
                 SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'
                    AND NOT a.attisdropped));
        IF v_moving IS NULL THEN RETURN; END IF;
        -- One connection per worker for what follows, so that the same transaction can go on
        -- writing to the tables it distributed.
        SET LOCAL citus.multi_shard_modify_mode = 'sequential';
        -- The outcome summaries are kept by triggers on measurements (see their migrations).
        SET LOCAL citus.enable_unsafe_triggers = on;
        SELECT coalesce(array_agg(format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass,
                 conname, pg_get_constraintdef(oid))), '{}')
          INTO v_foreign_keys
          FROM pg_constraint
         WHERE contype = 'f' AND (conrelid::regclass::text = ANY (v_moving)
                                  OR confrelid::regclass::text = ANY (v_moving));
        FOR v_table, v_statement IN
          SELECT conrelid::regclass::text, format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname)
            FROM pg_constraint
           WHERE contype = 'f' AND (conrelid::regclass::text = ANY (v_moving)
                                    OR confrelid::regclass::text = ANY (v_moving))
        LOOP
          EXECUTE v_statement;
        END LOOP;
        -- A table Citus added to its metadata by itself (a local table linked to a reference
        -- table) must be a plain table again before it can be distributed.
        FOREACH v_table IN ARRAY v_moving LOOP
          IF EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = v_table::regclass) THEN
            PERFORM undistribute_table(v_table);
          END IF;
        END LOOP;
        FOREACH v_table IN ARRAY v_moving LOOP
          IF v_table = ANY (v_reference) THEN
            PERFORM create_reference_table(v_table);
          ELSIF v_table = 'projects' THEN
            PERFORM create_distributed_table(v_table, 'tenant_id');
          ELSE
            PERFORM create_distributed_table(v_table, 'tenant_id', colocate_with => 'projects');
          END IF;
        END LOOP;
        FOREACH v_statement IN ARRAY v_foreign_keys LOOP
          EXECUTE v_statement;
        END LOOP;
      END
      $$`);
    await db.query(`REVOKE ALL ON FUNCTION distribute_tables() FROM PUBLIC`);
    // Creating the shards takes longer than the pool's statement timeout allows, and so may
    // waiting for another database of the cluster changing the same role.
    await db.query(`SET LOCAL statement_timeout = 0`);
    // Roles belong to the whole cluster: changed only when not yet so.
    await db.query(`
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
          IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'dg_app') THEN
            ALTER ROLE dg_app LOGIN;
          END IF;
          -- A write to a reference table (memberships, api_keys, indicators) makes Citus lock
          -- the shards of the reference tables it refers to (tenants, organisations, users),
          -- which it allows only to roles that may write those; dg_app may only read them.
          -- Skipping that check lets dg_app take such locks (it could delay writers, never
          -- read or change a row).
          IF NOT EXISTS (SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
                          WHERE r.rolname = 'dg_app' AND s.setdatabase = 0
                            AND 'citus.skip_advisory_lock_permission_checks=on' = ANY (s.setconfig)) THEN
            ALTER ROLE dg_app SET citus.skip_advisory_lock_permission_checks = on;
          END IF;
        END IF;
      END $$`);
    await db.query(`SELECT distribute_tables()`);
  }

  public async down(db: QueryRunner): Promise<void> {
    // Tables stay where they are: undistributing a cluster's data is an operation of its own
    // (undistribute_table), not a schema change.
    await db.query(`DROP FUNCTION distribute_tables()`);
  }
}
