import { SEED_IDS } from '../../seeds/programme';
import { createTestDatabase, setLocal, type TestDatabase } from '../helpers/database';

// The idempotency keys hold partners' stored responses: tenant data like any other.
describe('the idempotency_keys table', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.dataSource.query(
      `INSERT INTO tenants (id, code, name) VALUES ($1, 'TJ', 'Tajikistan'), ($2, 'KG', 'Kyrgyzstan')`,
      [SEED_IDS.tenants.TJ, SEED_IDS.tenants.KG],
    );
    await db.dataSource.query(
      `INSERT INTO idempotency_keys (tenant_id, principal, key, operation, request_hash, response)
       VALUES ($1, 'user:a', 'k', 'importActivities', 'h', '{}'), ($2, 'user:a', 'k', 'importActivities', 'h', '{}')`,
      [SEED_IDS.tenants.TJ, SEED_IDS.tenants.KG],
    );
  });
  afterAll(() => db.drop());

  it('forces row-level security, like every table with a tenant_id', async () => {
    const rows = await db.dataSource.query<{ relname: string }[]>(
      `SELECT c.relname FROM pg_class c
        JOIN information_schema.columns col ON col.table_name = c.relname AND col.column_name = 'tenant_id'
        WHERE c.relkind = 'r' AND col.table_schema = 'public'
          AND NOT (c.relrowsecurity AND c.relforcerowsecurity
                   AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))`,
    );
    expect(rows).toEqual([]);
  });

  it('shows the application role only its own keys, in the tenants where it writes', async () => {
    const runner = db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SET LOCAL ROLE dg_app`);
      // The settings the request preamble sets for a TJ writer whose actor is user:a.
      await runner.query(setLocal('app.tenant_ids', SEED_IDS.tenants.TJ));
      await runner.query(setLocal('app.write_tenant_ids', SEED_IDS.tenants.TJ));
      await runner.query(setLocal('app.actor', 'user:b'));
      expect(await runner.query(`SELECT tenant_id FROM idempotency_keys`)).toEqual([]);
      await runner.query(setLocal('app.actor', 'user:a'));
      const rows = (await runner.query(`SELECT tenant_id FROM idempotency_keys`)) as {
        tenant_id: string;
      }[];
      expect(rows).toEqual([{ tenant_id: SEED_IDS.tenants.TJ }]);
      await expect(
        runner.query(
          `INSERT INTO idempotency_keys (tenant_id, principal, key, operation, request_hash)
           VALUES ($1, 'user:b', 'k2', 'importActivities', 'h')`,
          [SEED_IDS.tenants.KG],
        ),
      ).rejects.toMatchObject({ driverError: { code: '42501' } });
    } finally {
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  });
});
