import { createTestDatabase } from '../helpers/database';
import { poolOf } from '../../src/db/data-source';
import { seedProgramme } from '../../seeds/programme';
it('makes a db', async () => {
  const db = await createTestDatabase();
  console.log('DBNAME', (db.dataSource.options as any).url);
  const client = await poolOf(db.dataSource).connect();
  try {
    await seedProgramme(client);
  } catch (e) { console.log('SEEDFAIL', String(e)); } finally {
    client.release();
  }
  await db.dataSource.destroy();
}, 120000);
