import { randomBytes } from 'node:crypto';
import { Client, escapeLiteral } from 'pg';
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
 * The worker nodes of a Citus cluster whose coordinator is the run's server
 * (`CITUS_WORKER_URLS`, comma-separated, as printed by scripts/citus-cluster.sh), or none.
 */
function citusWorkerUrls(): string[] {
  return (process.env.CITUS_WORKER_URLS ?? '').split(',').filter((url) => url !== '');
}

/** The advisory lock under which test files register a Citus database's nodes one at a time. */
const CITUS_REGISTRATION_LOCK = 1796158871;

async function onServer(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates a fresh database for one test file on the run's PostgreSQL server and applies
 * every migration to it. `db` sizes the owner pool (the server's requests use it too); by
 * default the test configuration's.
 *
 * On a Citus cluster a database is a cluster of its own: it is created on every worker and on
 * the coordinator, each with the extension, and the coordinator's registers the workers, so
 * that the migrations distribute its tables over them.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; db?: Config['db']; adminUrl?: string } = {},
): Promise<TestDatabase> {
  const name = `dg_test_${randomBytes(6).toString('hex')}`;
  const serverUrl = options.adminUrl ?? adminUrl();
  // Only the run's own server is a Citus coordinator; a test that brings its own is not.
  const workers = options.adminUrl === undefined ? citusWorkerUrls() : [];
  for (const worker of workers) {
    await onServer(worker, `CREATE DATABASE ${name}`);
    await onServer(databaseUrl(name, worker), 'CREATE EXTENSION citus');
  }
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = databaseUrl(name, serverUrl);
  if (workers.length > 0) {
    const { hostname, port } = new URL(serverUrl);
    // Registering a node copies the cluster's roles to it: two test files doing so at once
    // update the same role rows ("tuple concurrently updated"), so they take turns under a
    // lock of the coordinator's own database, which every test file shares.
    const lock = new Client({ connectionString: serverUrl });
    await lock.connect();
    try {
      await lock.query(`SELECT pg_advisory_lock(${CITUS_REGISTRATION_LOCK})`);
      await onServer(
        url,
        'CREATE EXTENSION citus',
        `SELECT citus_set_coordinator_host('${hostname}', ${Number(port)})`,
        ...workers.map((worker) => {
          const node = new URL(worker);
          return `SELECT citus_add_node('${node.hostname}', ${Number(node.port)})`;
        }),
      );
    } finally {
      await lock.end();
    }
  }
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
      for (const server of [serverUrl, ...workers]) {
        await onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    },
  };
}

/**
 * `SET LOCAL <name> = '<value>'`, the form of a transaction-local setting that also reaches the
 * workers of a Citus cluster (`set_config(…, true)` does not): for tests that set a request's
 * settings by hand. Send it as a statement of its own.
 */
export function setLocal(name: string, value: string): string {
  if (!/^[a-z_]+\.[a-z_]+$/.test(name)) throw new Error(`Not a setting name: ${name}`);
  return `SET LOCAL ${name} = ${escapeLiteral(value)}`;
}
