import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

const TJ = SEED_IDS.tenants.TJ;
const KG = SEED_IDS.tenants.KG;

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
      await runner.query(`SELECT set_config('app.tenant_ids', $1, true)`, [TJ]);
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
      { filter: { entityType: 'Activity', entityId: 'nothing-like-it' } },
      await server.tokenFor('demo|platform-admin'),
    );
    expect(res.body.data?.auditEvents.totalCount).toBe(0);
  });

  it('is forbidden to partner editors', async () => {
    const res = await server.graphql(QUERY, {}, await server.tokenFor('demo|tj-editor'));
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
