import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * The layout Citus needs to distribute tenant tables by tenant_id (docs/scaling.md): every
 * key of a tenant table, and every reference between tenant tables, includes tenant_id. Read
 * from the catalogue, so a migration that drifts fails here.
 */
describe('the distribution layout', () => {
  let db: TestDatabase;
  let tenantTables: string[];

  // Reference tables: replicated to every node, so their keys need no tenant_id.
  const REFERENCE_TABLES = ['tenants', 'organisations', 'users', 'indicators', 'api_keys'];

  beforeAll(async () => {
    db = await createTestDatabase();
    const rows = await db.dataSource.query<{ table_name: string }[]>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id' AND t.table_type = 'BASE TABLE'
       ORDER BY 1`,
    );
    tenantTables = rows.map((r) => r.table_name).filter((t) => !REFERENCE_TABLES.includes(t));
  });
  afterAll(() => db.drop());

  it('knows the tenant tables', () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining([
        'activities',
        'communities',
        'measurements',
        'memberships',
        'projects',
      ]),
    );
  });

  it('gives every tenant table a non-null tenant_id that leads its primary key', async () => {
    const rows = await db.dataSource.query<{ table: string; key: string[]; nullable: boolean }[]>(
      `SELECT c.relname AS table,
         (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY k (attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS key,
         NOT (SELECT attnotnull FROM pg_attribute WHERE attrelid = c.oid AND attname = 'tenant_id') AS nullable
       FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
       WHERE c.relname = ANY ($1)`,
      [tenantTables],
    );
    expect(rows.map((r) => r.table).sort()).toEqual([...tenantTables].sort());
    for (const row of rows) {
      expect({ table: row.table, first: row.key[0], nullable: row.nullable }).toEqual({
        table: row.table,
        first: 'tenant_id',
        nullable: false,
      });
    }
  });

  it('includes tenant_id in every unique constraint and unique index of a tenant table', async () => {
    const rows = await db.dataSource.query<{ index: string; columns: string[] }[]>(
      `SELECT ic.relname AS index,
         (SELECT array_agg(a.attname::text) FROM unnest(i.indkey) k (attnum)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum) AS columns
       FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid AND i.indisunique
       JOIN pg_class ic ON ic.oid = i.indexrelid
       WHERE c.relname = ANY ($1)`,
      [tenantTables],
    );
    expect(rows.length).toBeGreaterThan(tenantTables.length);
    for (const row of rows)
      expect({ index: row.index, hasTenant: (row.columns ?? []).includes('tenant_id') }).toEqual({
        index: row.index,
        hasTenant: true,
      });
  });

  it('references other tenant tables only through keys that include tenant_id on both sides', async () => {
    const rows = await db.dataSource.query<
      { name: string; from: string[]; to: string[]; target: string }[]
    >(
      `SELECT con.conname AS name, t.relname AS target,
         (SELECT array_agg(a.attname::text) FROM unnest(con.conkey) k (attnum)
            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS from,
         (SELECT array_agg(a.attname::text) FROM unnest(con.confkey) k (attnum)
            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS to
       FROM pg_constraint con
       JOIN pg_class s ON s.oid = con.conrelid JOIN pg_class t ON t.oid = con.confrelid
       WHERE con.contype = 'f' AND s.relname = ANY ($1) AND t.relname = ANY ($1)`,
      [tenantTables],
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(Array.isArray(rows[0]?.from)).toBe(true);
    for (const row of rows) {
      expect({
        name: row.name,
        from: row.from.includes('tenant_id'),
        to: row.to.includes('tenant_id'),
      }).toEqual({
        name: row.name,
        from: true,
        to: true,
      });
    }
  });
});
