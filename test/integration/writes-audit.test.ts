import { SEED_IDS } from '../../seeds/programme';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';
import { CREATE_ACTIVITY, CREATE_MEASUREMENT, tjActivity, tjMeasurement } from '../helpers/writes';

const TJ = SEED_IDS.tenants.TJ;
const KG = SEED_IDS.tenants.KG;
const IDS_USERS_TJ_ADMIN = SEED_IDS.users.tjAdmin;

describe('the audit log', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // Two events written as the owner, as a past request would have.
    await server.db.dataSource.query(
      `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type, entity_id, after)
       VALUES ($1, 'SYSTEM', 'test', 'CREATE', 'Activity', 'tj-row', '{"title":"x"}'),
              ($2, 'SYSTEM', 'test', 'CREATE', 'Activity', 'kg-row', '{"title":"y"}')`,
      [TJ, KG],
    );
  });
  afterAll(() => server.close());

  /** Runs `sql` as the application role with the TJ tenant set, as a request would. */
  async function asApplicationRole(sql: string): Promise<unknown> {
    const runner = server.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SET LOCAL ROLE dg_app`);
      await runner.query(setLocal('app.tenant_ids', TJ));
      return await runner.query(sql);
    } finally {
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  it('cannot be updated by the application role (the database refuses it)', async () => {
    await expect(
      asApplicationRole(`UPDATE audit_events SET action = 'FORGED'`),
    ).rejects.toMatchObject({ driverError: { code: '42501' } });
  });

  it('cannot be deleted from by the application role', async () => {
    await expect(asApplicationRole(`DELETE FROM audit_events`)).rejects.toMatchObject({
      driverError: { code: '42501' },
    });
  });

  it('cannot be truncated by the application role', async () => {
    await expect(asApplicationRole(`TRUNCATE audit_events`)).rejects.toMatchObject({
      driverError: { code: '42501' },
    });
  });

  const QUERY = `query ($filter: AuditEventFilter) {
    auditEvents(filter: $filter, first: 50) {
      totalCount
      nodes { entityId action entityType principalKind after tenant { code } }
    }
  }`;

  it('is readable by a tenant admin, for their own tenant only', async () => {
    const res = await server.graphql<{
      auditEvents: { totalCount: number; nodes: { entityId: string; tenant: { code: string } }[] };
    }>(QUERY, {}, await server.tokenFor('demo|tj-admin'));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.auditEvents.nodes.map((n) => n.entityId)).toEqual(['tj-row']);
    expect(res.body.data?.auditEvents.nodes[0]?.tenant.code).toBe('TJ');
  });

  it('filters by entity', async () => {
    const res = await server.graphql<{ auditEvents: { totalCount: number } }>(
      QUERY,
      { filter: { entityTypes: ['Activity'], entityId: 'nothing-like-it' } },
      await server.tokenFor('demo|platform-admin'),
    );
    expect(res.body.data?.auditEvents.totalCount).toBe(0);
  });

  it('filters by actions and entity types from their enums, refusing free text', async () => {
    type Events = { auditEvents: { nodes: { entityId: string }[] } };
    const token = await server.tokenFor('demo|platform-admin');
    const ids = async (filter: Record<string, unknown>) => {
      const res = await server.graphql<Events>(QUERY, { filter }, token);
      expect(res.body.errors).toBeUndefined();
      return res.body.data!.auditEvents.nodes.map((n) => n.entityId).sort();
    };
    expect(await ids({ actions: ['CREATE'], entityTypes: ['Activity'] })).toEqual([
      'kg-row',
      'tj-row',
    ]);
    expect(await ids({ actions: ['DELETE', 'RESTORE'], entityTypes: ['Activity'] })).toEqual([]);
    expect(await ids({ actions: ['CREATE'], entityTypes: ['Project', 'ApiKey'] })).toEqual([]);
    // A lowercase or unknown value is no match for nothing: it is refused, naming the field.
    for (const filter of [{ actions: ['create'] }, { entityTypes: ['activity'] }]) {
      const res = await server.graphql(QUERY, { filter }, token);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toMatch(/actions|entityTypes/);
    }
  });

  it('is forbidden to partner editors', async () => {
    const res = await server.graphql(QUERY, {}, await server.tokenFor('demo|tj-editor'));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('holds one entry for every successful write, of every kind', async () => {
    const token = await server.tokenFor('demo|tj-admin');
    const run = async <T>(query: string, input: Record<string, unknown>): Promise<T> => {
      const res = await server.graphql<T>(query, { input }, token);
      expect(res.body.errors).toBeUndefined();
      return res.body.data!;
    };
    const before = await server.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events`,
    );
    const { createCommunity: c } = await run<{ createCommunity: { id: string } }>(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
      { tenantCode: 'TJ', name: 'Аудит', region: 'Sughd', district: 'Isfara', settlement: 'RURAL' },
    );
    await run(
      `mutation ($input: UpdateCommunityInput!) { updateCommunity(input: $input) { id } }`,
      {
        id: c.id,
        expectedVersion: 1,
        population: 1200,
      },
    );
    const { createProject: p } = await run<{ createProject: { id: string } }>(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { tenantCode: 'TJ', code: 'AUDIT-1', name: 'Audit', startDate: '2025-01-01' },
    );
    await run(`mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`, {
      id: p.id,
      expectedVersion: 1,
    });
    const { createIndicator: i } = await run<{ createIndicator: { id: string } }>(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        tenantCode: 'TJ',
        code: 'AUDITED',
        name: 'x',
        unit: 'SCORE',
        direction: 'INCREASE_IS_BETTER',
      },
    );
    await run(
      `mutation ($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { id } }`,
      {
        id: i.id,
        expectedVersion: 1,
        name: 'y',
      },
    );
    await run(`mutation ($input: DeleteRowInput!) { deleteIndicator(input: $input) { id } }`, {
      id: i.id,
      expectedVersion: 2,
    });
    await run(`mutation ($input: DeleteRowInput!) { deleteProject(input: $input) { id } }`, {
      id: p.id,
      expectedVersion: 2,
    });
    await run(`mutation ($input: DeleteRowInput!) { deleteCommunity(input: $input) { id } }`, {
      id: c.id,
      expectedVersion: 2,
    });
    const { createActivity: a } = await run<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      tjActivity(),
    );
    const { createMeasurement: m } = await run<{ createMeasurement: { id: string } }>(
      CREATE_MEASUREMENT,
      tjMeasurement(),
    );
    await run(
      `mutation ($input: UpdateMeasurementInput!) { updateMeasurement(input: $input) { id } }`,
      { id: m.id, expectedVersion: 1, value: 12.5 },
    );
    await run(
      `mutation ($input: DeleteProjectRowInput!) { deleteMeasurement(input: $input) { id } }`,
      {
        id: m.id,
        expectedVersion: 2,
      },
    );
    await run(`mutation ($input: RestoreRowInput!) { restoreMeasurement(input: $input) { id } }`, {
      id: m.id,
      expectedVersion: 3,
    });
    await run(
      `mutation ($input: DeleteProjectRowInput!) { deleteActivity(input: $input) { id } }`,
      {
        id: a.id,
        expectedVersion: 1,
      },
    );
    const after = await server.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM audit_events`,
    );
    expect(after[0]!.n - before[0]!.n).toBe(15);
    const [measurementUpdate] = await server.db.dataSource.query<
      { before: unknown; after: unknown; principal_id: string }[]
    >(
      `SELECT before, after, principal_id FROM audit_events WHERE entity_id = $1 AND action = 'UPDATE'`,
      [m.id],
    );
    expect(measurementUpdate).toEqual({
      before: { value: 42.5 },
      after: { value: 12.5 },
      principal_id: IDS_USERS_TJ_ADMIN,
    });
  });
});
