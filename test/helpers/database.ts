import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { type Config, loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';

export type TestDatabase = Readonly<{
  /** URL of this test file's own database, as the owner (migration) role. */
  url: string;
  dataSource: DataSource;
  drop: () => Promise<void>;
}>;

function adminUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL is unset: run the tests through jest');
  return url;
}

export function databaseUrl(name: string, admin = adminUrl()): string {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Creates a fresh database for one test file on the run's PostgreSQL server and applies
 * every migration to it. `db` sizes the owner pool (the server's requests use it too); by
 * default the test configuration's.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; db?: Config['db']; adminUrl?: string } = {},
): Promise<TestDatabase> {
  const name = `dg_test_${randomBytes(6).toString('hex')}`;
  const serverUrl = options.adminUrl ?? adminUrl();
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name, serverUrl);
  const dataSource = createDataSource(url, options.db ?? loadConfig({ NODE_ENV: 'test' }).db, {
    applicationName: 'dignity-graph-test',
  });
  await dataSource.initialize();
  if (options.migrate !== false) await dataSource.runMigrations({ transaction: 'each' });
  return {
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
