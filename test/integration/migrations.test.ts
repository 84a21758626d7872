import { createTestDatabase, type TestDatabase } from '../helpers/database';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('create every table of the domain', async () => {
    const rows: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['activities', 'measurements']),
    );
  });

  it('can be reverted and applied again', async () => {
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    await db.dataSource.runMigrations({ transaction: 'each' });
  });
});
