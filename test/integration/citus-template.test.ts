import { onCitus } from '../helpers/citus';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * On a Citus cluster the test databases are copies of one migrated template, made with
 * `CREATE DATABASE … TEMPLATE` on every node (test/helpers/database.ts, docs/scaling.md). A
 * copy must be a cluster of its own, as if created and migrated from scratch: its metadata
 * names the same workers and a placement for every shard, each placement a table in the
 * worker's database of the copy's name (not the template's), and a row written through one
 * copy is not in another. Run only on a cluster.
 */
(onCitus ? describe : describe.skip)('test databases copied from the migrated template', () => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    first = await createTestDatabase();
    second = await createTestDatabase();
  });
  afterAll(async () => {
    await first?.drop();
    await second?.drop();
  });

  const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

  it('knows the cluster’s workers, and every shard has a placement in the copy’s own database on its node', async () => {
    for (const db of [first, second]) {
      const workers: { count: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS count FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0`,
      );
      expect(workers[0]!.count).toBe((process.env.CITUS_WORKER_URLS ?? '').split(',').length);
      const missing: unknown[] = await db.dataSource.query(
        `SELECT s.shardid FROM pg_dist_shard s
          WHERE NOT EXISTS (SELECT 1 FROM pg_dist_placement p WHERE p.shardid = s.shardid)`,
      );
      expect(missing).toEqual([]);
      // Each placement of a distributed and of a reference table answers from a database of
      // the copy's name, where its shard table exists.
      for (const table of ['measurements', 'tenants']) {
        const answers: { success: boolean; result: string }[] = await db.dataSource.query(
          `SELECT success, result FROM run_command_on_placements($1,
             'SELECT current_database() || '':'' || to_regclass(''%s'')::text')`,
          [table],
        );
        expect(answers.length).toBeGreaterThan(0);
        for (const answer of answers) {
          expect(answer.success).toBe(true);
          expect(answer.result).toMatch(new RegExp(`^${nameOf(db)}:${table}_\\d+$`));
        }
      }
    }
  });

  it('keeps the copies apart: a tenant written through one is not in the other', async () => {
    const [tenant]: { id: string }[] = await first.dataSource.query(
      `INSERT INTO tenants (code, name, default_locale, timezone)
       VALUES ('XT', 'Template test', 'en', 'UTC') RETURNING id`,
    );
    expect(
      await first.dataSource.query(`SELECT code FROM tenants WHERE id = $1`, [tenant!.id]),
    ).toEqual([{ code: 'XT' }]);
    expect(
      await second.dataSource.query(`SELECT code FROM tenants WHERE id = $1`, [tenant!.id]),
    ).toEqual([]);
    // A distributed table's row, routed to a worker, too.
    await first.dataSource.query(
      `INSERT INTO projects (tenant_id, code, name, status, start_date, created_by, updated_by)
       VALUES ($1, 'XT-1', 'Template test', 'PLANNED', '2026-01-01', 'test', 'test')`,
      [tenant!.id],
    );
    expect(
      await first.dataSource.query(`SELECT count(*)::int AS n FROM projects WHERE tenant_id = $1`, [
        tenant!.id,
      ]),
    ).toEqual([{ n: 1 }]);
    expect(
      await second.dataSource.query(
        `SELECT count(*)::int AS n FROM projects WHERE tenant_id = $1`,
        [tenant!.id],
      ),
    ).toEqual([{ n: 0 }]);
  });
});
