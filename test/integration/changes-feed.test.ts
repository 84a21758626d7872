import { Client } from 'pg';
import { type Replica, syncChanges } from '../../examples/client/src/changes';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  DELETE_ACTIVITY,
  UPDATE_ACTIVITY,
  IDS,
  errorOf,
  tjActivity,
  tokens,
} from '../helpers/writes';

type Change = {
  entityType: string;
  entityId: string;
  operation: 'UPSERT' | 'DELETE';
  action: string | null;
  activity: { id: string; title: string } | null;
};
type Page = { changes: { nodes: Change[]; cursor: string; hasMore: boolean } | null };

const CHANGES = `query ($tenantCode: String!, $since: String, $first: Int) {
  changes(tenantCode: $tenantCode, since: $since, first: $first) {
    cursor hasMore
    nodes { entityType entityId operation action activity { id title } }
  }
}`;

describe('the changes feed', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
  });
  afterAll(() => server.close());

  /** Reads pages until hasMore is false; returns every change and the last cursor. */
  async function drain(token: string, since: string | null, tenantCode = 'TJ', first = 50) {
    const all: Change[] = [];
    let cursor = since;
    for (;;) {
      const res = await server.graphql<Page>(CHANGES, { tenantCode, since: cursor, first }, token);
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data!.changes!;
      all.push(...page.nodes);
      cursor = page.cursor;
      if (!page.hasMore) return { all, cursor };
    }
  }

  it('starts with the current state as upserts, then sends creations and deletions once', async () => {
    const first = await drain(t.tjAdmin, null);
    expect(first.all.every((c) => c.operation === 'UPSERT')).toBe(true);
    expect(first.all.map((c) => c.entityId)).toEqual(
      expect.arrayContaining([IDS.projects.TJ, IDS.projects.tjPilot, IDS.communities.tjNavobod]),
    );
    expect(new Set(first.all.map((c) => c.entityId)).size).toBe(first.all.length);

    const created = await server.graphql<{ createActivity: { id: string; version: number } }>(
      CREATE_ACTIVITY,
      { input: tjActivity({ title: 'Feed training' }) },
      t.tjAdmin,
    );
    const id = created.body.data!.createActivity.id;
    const second = await drain(t.tjAdmin, first.cursor);
    expect(second.all).toEqual([
      expect.objectContaining({
        entityType: 'Activity',
        entityId: id,
        operation: 'UPSERT',
        action: 'CREATE',
        activity: { id, title: 'Feed training' },
      }),
    ]);
    await server.graphql(DELETE_ACTIVITY, { input: { id, expectedVersion: 1 } }, t.tjAdmin);
    const third = await drain(t.tjAdmin, second.cursor);
    expect(third.all).toEqual([
      expect.objectContaining({ entityId: id, operation: 'DELETE', activity: null }),
    ]);
    expect((await drain(t.tjAdmin, third.cursor)).all).toEqual([]);
  });

  it('examples/client keeps a copy in step with changes(since): edits and deletions included', async () => {
    const replica: Replica = { cursor: null, rows: {} };
    const options = { url: server.url, token: t.tjAdmin, tenantCode: 'TJ' };
    const first = await syncChanges(options, replica);
    expect(first.deletes).toBe(0);
    // Every upsert of the first call left its row in the copy, reporting periods included.
    expect(Object.keys(replica.rows).length).toBe(first.upserts);
    expect(Object.keys(replica.rows).some((key) => key.startsWith('ReportingPeriod:'))).toBe(true);
    const before = Object.keys(replica.rows).length;
    const created = await server.graphql<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      { input: tjActivity({ title: 'Replicated' }) },
      t.tjAdmin,
    );
    const id = created.body.data!.createActivity.id;
    await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: 'Replicated 2' } },
      t.tjAdmin,
    );
    await syncChanges(options, replica);
    expect(replica.rows[`Activity:${id}`]).toMatchObject({ id, title: 'Replicated 2' });
    await server.graphql(DELETE_ACTIVITY, { input: { id, expectedVersion: 2 } }, t.tjAdmin);
    const last = await syncChanges(options, replica);
    expect(last).toMatchObject({ deletes: 1 });
    expect(replica.rows[`Activity:${id}`]).toBeUndefined();
    expect(Object.keys(replica.rows).length).toBe(before);
  });

  it('a rolled-back mutation emits nothing', async () => {
    const { cursor } = await drain(t.tjAdmin, null);
    const res = await server.graphql(
      `mutation ($ok: CreateActivityInput!, $bad: CreateActivityInput!) {
        a: createActivity(input: $ok) { id }
        b: createActivity(input: $bad) { id }
      }`,
      { ok: tjActivity({ title: 'Rolled back' }), bad: tjActivity({ endDate: '2000-01-01' }) },
      t.tjAdmin,
    );
    expect(res.body.errors).toBeDefined();
    expect((await drain(t.tjAdmin, cursor)).all).toEqual([]);
  });

  it('a partner sees only its projects, and gets tombstones when it loses one (and upserts when it gains it back)', async () => {
    const start = await drain(t.tjPilotEditor, null);
    const ids = start.all.map((c) => c.entityId);
    expect(ids).toContain(IDS.projects.tjPilot);
    expect(ids).toContain(IDS.activities.tjPilotSavingsGroup);
    expect(ids).not.toContain(IDS.projects.TJ);
    expect(ids).not.toContain(IDS.communities.tjNavobod);

    // An admin's main-project write is not the pilot partner's business.
    await server.graphql(CREATE_ACTIVITY, { input: tjActivity({ title: 'Main only' }) }, t.tjAdmin);
    const quiet = await drain(t.tjPilotEditor, start.cursor);
    expect(quiet.all).toEqual([]);

    const unlink = `DELETE FROM project_organisations WHERE project_id = $1 AND organisation_id = $2`;
    await server.db.dataSource.query(unlink, [
      IDS.projects.tjPilot,
      IDS.organisations.tjFamilyCentre,
    ]);
    const lost = await drain(t.tjPilotEditor, quiet.cursor, 'TJ', 3);
    expect(lost.all.length).toBe(start.all.filter((c) => c.entityType !== 'Indicator').length);
    expect(lost.all.every((c) => c.operation === 'DELETE')).toBe(true);
    expect(lost.all.map((c) => c.entityId)).toEqual(
      expect.arrayContaining([IDS.projects.tjPilot, IDS.activities.tjPilotSavingsGroup]),
    );
    // The pilot's reporting periods went out of view with it.
    const pilotPeriods = await periodIds(IDS.projects.tjPilot);
    expect(pilotPeriods.length).toBeGreaterThan(0);
    expect(
      lost.all.filter((c) => c.entityType === 'ReportingPeriod').map((c) => c.entityId),
    ).toEqual(expect.arrayContaining(pilotPeriods));

    await server.db.dataSource.query(
      `INSERT INTO project_organisations (tenant_id, project_id, organisation_id, role)
       VALUES ($1, $2, $3, 'PARTNER')`,
      [IDS.tenants.TJ, IDS.projects.tjPilot, IDS.organisations.tjFamilyCentre],
    );
    const regained = await drain(t.tjPilotEditor, lost.cursor);
    expect(regained.all.every((c) => c.operation === 'UPSERT')).toBe(true);
    expect(regained.all.map((c) => c.entityId).sort()).toEqual(
      lost.all.map((c) => c.entityId).sort(),
    );
  });

  /** The ids (ReportingPeriod.id) of a project's stored periods. */
  async function periodIds(projectId: string): Promise<string[]> {
    const rows = await server.db.dataSource.query<{ id: string }[]>(
      `SELECT reporting_period_id(tenant_id, project_id, period_start) AS id
         FROM reporting_periods WHERE project_id = $1 ORDER BY 1`,
      [projectId],
    );
    return rows.map((row) => row.id);
  }

  it('sends a reporting period’s transitions as ReportingPeriod changes, to those who read its project', async () => {
    const copy = await drain(t.tjAdmin, null);
    const pilotCopy = await drain(t.tjPilotEditor, null);
    const periodsIn = (changes: Change[]) =>
      changes.filter((c) => c.entityType === 'ReportingPeriod').map((c) => c.entityId);
    // The first call copies the stored periods too, each partner only its projects'.
    expect(periodsIn(copy.all).sort()).toEqual(
      [...(await periodIds(IDS.projects.TJ)), ...(await periodIds(IDS.projects.tjPilot))].sort(),
    );
    expect(periodsIn(pilotCopy.all).sort()).toEqual(await periodIds(IDS.projects.tjPilot));

    // A quarter nothing else in this file writes into, submitted by the partner, approved by the admin.
    const quarter = { projectId: IDS.projects.TJ, date: '2024-10-15' };
    type Moved = { status: string; period: { id: string; version: number } };
    const move = async (name: string, token: string) => {
      const res = await server.graphql<Record<string, Moved>>(
        `mutation ($input: PeriodTransitionInput!) {
          ${name}(input: $input) { status period { id version } } }`,
        { input: quarter },
        token,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data![name]!.status).toBe('DONE');
      return res.body.data![name]!.period;
    };
    const submitted = await move('submitPeriod', t.tjEditor);
    const approved = await move('approvePeriod', t.tjAdmin);
    expect(approved.id).toBe(submitted.id);

    const PERIOD_CHANGES = `query ($since: String) {
      changes(tenantCode: "TJ", since: $since, first: 50) {
        hasMore cursor
        nodes { entityType entityId operation action version
                reportingPeriod { id start end state version project { id } } }
      } }`;
    const res = await server.graphql<{
      changes: { nodes: Record<string, unknown>[]; hasMore: boolean };
    }>(PERIOD_CHANGES, { since: copy.cursor }, t.tjAdmin);
    expect(res.body.errors).toBeUndefined();
    const period = {
      id: submitted.id,
      start: '2024-10-01',
      end: '2024-12-31',
      state: 'APPROVED',
      version: approved.version,
      project: { id: IDS.projects.TJ },
    };
    expect(res.body.data!.changes).toMatchObject({ hasMore: false });
    expect(res.body.data!.changes.nodes).toEqual([
      {
        entityType: 'ReportingPeriod',
        entityId: submitted.id,
        operation: 'UPSERT',
        action: 'PERIOD_SUBMIT',
        version: submitted.version,
        reportingPeriod: period,
      },
      {
        entityType: 'ReportingPeriod',
        entityId: submitted.id,
        operation: 'UPSERT',
        action: 'PERIOD_APPROVE',
        version: approved.version,
        reportingPeriod: period,
      },
    ]);
    // The pilot's partner does not read the main project: its feed stays quiet.
    expect((await drain(t.tjPilotEditor, pilotCopy.cursor)).all).toEqual([]);
    // A KG admin's feed of KG knows nothing of it either.
    const kg = await drain(t.kgAdmin, null, 'KG');
    expect(kg.all.map((c) => c.entityId)).not.toContain(submitted.id);
  });

  it('refuses a cursor it did not sign, or one of another tenant, and a tenant the principal cannot read', async () => {
    const { cursor } = await drain(t.tjAdmin, null);
    const [body, mac] = cursor.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    forged.scope = { full: false, projects: [IDS.projects.TJ], communities: [] };
    const edited = `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`;
    const tampered = await server.graphql(
      CHANGES,
      { tenantCode: 'TJ', since: edited },
      t.tjPilotEditor,
    );
    expect(errorOf(tampered)).toEqual({ code: 'BAD_USER_INPUT', field: 'since' });
    const otherTenant = await server.graphql(
      CHANGES,
      { tenantCode: 'KG', since: cursor },
      t.kgAdmin,
    );
    expect(errorOf(otherTenant)).toEqual({ code: 'BAD_USER_INPUT', field: 'since' });
    const kg = await server.graphql(CHANGES, { tenantCode: 'KG' }, t.tjAdmin);
    expect(errorOf(kg)?.code).toBe('NOT_FOUND');
    expect(kg.body.data?.changes ?? null).toBeNull();
  });

  it('change_feed_rows gives ids only, and only to what calls it with arguments (the service signs them)', async () => {
    const client = new Client({ connectionString: server.db.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE dg_app');
      await client.query(setLocal('app.tenant_ids', IDS.tenants.TJ));
      const { rows } = await client.query<{ entity_type: string; id: string }>(
        `SELECT * FROM change_feed_rows($1, false, '{}', '{}') LIMIT 1`,
        [IDS.tenants.TJ],
      );
      // With no projects or communities named, only the tenant's indicators: no content.
      expect(rows.every((r) => r.entity_type === 'Indicator')).toBe(true);
      expect(Object.keys(rows[0] ?? { entity_type: 1, id: 1 }).sort()).toEqual([
        'entity_type',
        'id',
      ]);
      await expect(client.query('SELECT * FROM change_feed_keys')).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });

  it('never skips a change under interleaved slow and fast writers', async () => {
    const { cursor: start } = await drain(t.tjAdmin, null);
    const committed = new Set<string>();
    const aborted = new Set<string>();
    const seen: string[] = [];
    let done = false;
    const reader = (async () => {
      let cursor = start;
      while (!done || seen.length < committed.size) {
        const page = await drain(t.tjAdmin, cursor, 'TJ', 7);
        seen.push(...page.all.map((c) => c.entityId));
        cursor = page.cursor;
        await new Promise((r) => setTimeout(r, 15));
        if (done && seen.length >= committed.size) break;
      }
    })();
    const writer = async (n: number) => {
      const client = new Client({ connectionString: server.db.url });
      await client.connect();
      try {
        await client.query('BEGIN');
        const [row] = (
          await client.query(
            `INSERT INTO change_log (tenant_id, entity_type, entity_id, project_id, action)
             VALUES ($1, 'Activity', gen_random_uuid(), $2, 'UPDATE') RETURNING entity_id`,
            [IDS.tenants.TJ, IDS.projects.TJ],
          )
        ).rows as { entity_id: string }[];
        // Slow ones stay open across many of the reader's polls and fast writers' commits.
        await new Promise((r) => setTimeout(r, n % 5 === 0 ? 600 : (n * 37) % 120));
        if (n % 11 === 0) {
          await client.query('ROLLBACK');
          aborted.add(row!.entity_id);
        } else {
          await client.query('COMMIT');
          committed.add(row!.entity_id);
        }
      } finally {
        await client.end();
      }
    };
    const writers: Promise<void>[] = [];
    for (let n = 0; n < 40; n += 1) {
      writers.push(writer(n));
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(writers);
    done = true;
    await reader;
    const final = await drain(t.tjAdmin, start);
    expect(new Set(seen)).toEqual(committed);
    expect(seen.length).toBe(committed.size);
    expect(new Set(final.all.map((c) => c.entityId))).toEqual(committed);
    expect(seen.filter((id) => aborted.has(id))).toEqual([]);
  }, 30_000);
});

describe('the changes feed’s retention', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ env: { CHANGES_RETENTION_DAYS: '0.00001' } });
  });
  afterAll(() => server.close());

  it('refuses a cursor older than the retention with CURSOR_EXPIRED, saying to resync', async () => {
    const token = await server.tokenFor('demo|tj-admin');
    const first = await server.graphql<Page>(CHANGES, { tenantCode: 'TJ', first: 1 }, token);
    await new Promise((r) => setTimeout(r, 1500));
    const res = await server.graphql(
      CHANGES,
      { tenantCode: 'TJ', since: first.body.data!.changes!.cursor },
      token,
    );
    expect(errorOf(res)?.code).toBe('CURSOR_EXPIRED');
    expect(res.body.errors![0]!.message).toMatch(/resync from scratch/);
  });
});
