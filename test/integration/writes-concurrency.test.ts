import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  DELETE_ACTIVITY,
  errorOf,
  tjActivity,
  tokens,
  UPDATE_ACTIVITY,
} from '../helpers/writes';

describe('optimistic concurrency', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  beforeAll(async () => {
    // 50 concurrent writers queue for the pool's 20 connections, longer on a loaded machine or
    // a Citus cluster (each loser waits on the row lock on a worker) than the 2 s a request
    // waits for a connection by default: this file is about versions, the pool's refusal has
    // its own tests (security-pool), so the wait for a connection is not what fails here.
    server = await startTestServer({ env: { DB_CONNECTION_TIMEOUT_MS: '60000' } });
    t = await tokens(server);
  });
  afterAll(() => server.close());

  async function newActivity(): Promise<string> {
    const res = await server.graphql<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      { input: tjActivity() },
      t.tjEditor,
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createActivity.id;
  }

  it('lets exactly one of 50 concurrent updates with the same version win, and audits one', async () => {
    const id = await newActivity();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server.graphql<{ updateActivity: { version: number; title: string } }>(
          UPDATE_ACTIVITY,
          { input: { id, expectedVersion: 1, title: `Writer ${i}` } },
          i % 2 === 0 ? t.tjEditor : t.tjAdmin,
        ),
      ),
    );
    const winners = results.filter((r) => !r.body.errors);
    const losers = results.filter((r) => r.body.errors);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    for (const loser of losers) {
      expect(loser.body.errors?.[0]?.extensions).toMatchObject({
        code: 'CONFLICT',
        currentVersion: 2,
      });
    }
    expect(winners[0]!.body.data!.updateActivity.version).toBe(2);

    const rows: { title: string; version: number }[] = await server.db.dataSource.query(
      `SELECT title, version FROM activities WHERE id = $1`,
      [id],
    );
    expect(rows).toEqual([{ title: winners[0]!.body.data!.updateActivity.title, version: 2 }]);
    const audit: { n: number }[] = await server.db.dataSource.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE entity_id = $1 AND action = 'UPDATE'`,
      [id],
    );
    expect(audit[0]!.n).toBe(1);
  });

  it('refuses a stale version with CONFLICT and the current version, changing nothing', async () => {
    const id = await newActivity();
    const first = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: 'Second version' } },
      t.tjEditor,
    );
    expect(first.body.errors).toBeUndefined();
    const stale = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: 'Lost update' } },
      t.tjEditor,
    );
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      currentVersion: 2,
    });
    const staleDelete = await server.graphql(
      DELETE_ACTIVITY,
      { input: { id, expectedVersion: 1 } },
      t.tjEditor,
    );
    expect(errorOf(staleDelete)?.code).toBe('CONFLICT');
    const rows: { title: string; deleted_at: Date | null }[] = await server.db.dataSource.query(
      `SELECT title, deleted_at FROM activities WHERE id = $1`,
      [id],
    );
    expect(rows).toEqual([{ title: 'Second version', deleted_at: null }]);
  });

  it('answers NOT_FOUND for an id that does not exist', async () => {
    const res = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id: '00000000-0000-4000-8000-0000000000aa', expectedVersion: 1, title: 'x' } },
      t.tjAdmin,
    );
    expect(errorOf(res)?.code).toBe('NOT_FOUND');
  });
});
