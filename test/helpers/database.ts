import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

/** The advisory lock under which one test file builds the cluster's migrated template. */
const CITUS_TEMPLATE_LOCK = 1796183762;

/**
 * The name of the migrated template database for the migrations as they are now (their files'
 * contents hashed): a change of any migration gives a new template.
 */
function citusTemplateName(): string {
  const dir = join(__dirname, '..', '..', 'migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) {
    if (file.endsWith('.ts')) hash.update(file).update(readFileSync(join(dir, file)));
  }
  return `dg_template_${hash.digest('hex').slice(0, 16)}`;
}

/**
 * Creates database `name` on every worker and on the coordinator, each with the extension,
 * and registers the workers on the coordinator's, so that migrations distribute its tables.
 */
async function createCitusDatabase(name: string, serverUrl: string, workers: string[]) {
  for (const worker of workers) {
    await onServer(worker, `CREATE DATABASE ${name}`);
    await onServer(databaseUrl(name, worker), 'CREATE EXTENSION citus');
  }
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const { hostname, port } = new URL(serverUrl);
  // Registering a node copies the cluster's roles to it: two test files doing so at once
  // update the same role rows ("tuple concurrently updated"), so they take turns under a
  // lock of the coordinator's own database, which every test file shares.
  await underLock(serverUrl, CITUS_REGISTRATION_LOCK, () =>
    onServer(
      databaseUrl(name, serverUrl),
      'CREATE EXTENSION citus',
      `SELECT citus_set_coordinator_host('${hostname}', ${Number(port)})`,
      ...workers.map((worker) => {
        const node = new URL(worker);
        return `SELECT citus_add_node('${node.hostname}', ${Number(node.port)})`;
      }),
    ),
  );
}

async function underLock<T>(url: string, lock: number, work: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(${lock})`);
    return await work();
  } finally {
    await client.end();
  }
}

/** Ends every session of database `name` on a node (before copying or renaming it). */
const LEAVE = (name: string) =>
  `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`;

/**
 * The cluster's migrated template (created once per set of migrations, by whichever test file
 * needs it first): a Citus database on every node, migrated on the coordinator, then renamed
 * on every node to the template's name, so that a template that exists is complete. Each node
 * holds its part of one cluster's metadata (the same nodes, shards and placements), so copies
 * made on every node with the same name form a cluster of their own again
 * (`test/integration/citus-template.test.ts` proves it).
 */
async function citusTemplate(serverUrl: string, workers: string[]): Promise<string> {
  const template = citusTemplateName();
  await underLock(serverUrl, CITUS_TEMPLATE_LOCK, async () => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    await client.end();
    if (found.rowCount) return;
    const building = `${template}_build`;
    for (const server of [serverUrl, ...workers]) {
      await onServer(server, `DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    }
    await createCitusDatabase(building, serverUrl, workers);
    const dataSource = createDataSource(
      databaseUrl(building, serverUrl),
      loadConfig({ NODE_ENV: 'test' }).db,
      { applicationName: 'dignity-graph-test' },
    );
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
    // Workers first: the coordinator's name is the sign that the template is complete.
    for (const server of [...workers, serverUrl]) {
      await onServer(server, LEAVE(building), `ALTER DATABASE ${building} RENAME TO ${template}`);
    }
  });
  return template;
}

/**
 * Runs `work` again while it fails with "database … is being accessed by other users" (up to
 * five times): on a Citus node the maintenance daemon of a database may connect to it again
 * between the end of its sessions and the statement.
 */
async function retriedWhileInUse(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 5 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

/** CREATE DATABASE … TEMPLATE on one node, once the template's last session has left. */
async function copyDatabase(server: string, name: string, template: string): Promise<void> {
  await retriedWhileInUse(() =>
    onServer(server, LEAVE(template), `CREATE DATABASE ${name} TEMPLATE ${template}`),
  );
}

/**
 * Creates a fresh database for one test file on the run's PostgreSQL server and applies
 * every migration to it. `db` sizes the owner pool (the server's requests use it too); by
 * default the test configuration's.
 *
 * On a Citus cluster a database is a cluster of its own: it is created on every worker and on
 * the coordinator, each with the extension, and the coordinator's registers the workers, so
 * that the migrations distribute its tables over them. Creating and migrating it on three
 * nodes was most of a test file's time there, so a migrated database is copied instead from
 * the cluster's template (`CREATE DATABASE … TEMPLATE` on every node), built once per set of
 * migrations; `migrate: false` still creates an empty one.
 */
export async function createTestDatabase(
  options: { migrate?: boolean; db?: Config['db']; adminUrl?: string } = {},
): Promise<TestDatabase> {
  const name = `dg_test_${randomBytes(6).toString('hex')}`;
  const serverUrl = options.adminUrl ?? adminUrl();
  // Only the run's own server is a Citus coordinator; a test that brings its own is not.
  const workers = options.adminUrl === undefined ? citusWorkerUrls() : [];
  const fromTemplate = workers.length > 0 && options.migrate !== false;
  if (fromTemplate) {
    const template = await citusTemplate(serverUrl, workers);
    for (const server of [...workers, serverUrl]) await copyDatabase(server, name, template);
  } else if (workers.length > 0) {
    await createCitusDatabase(name, serverUrl, workers);
  } else {
    await onServer(serverUrl, `CREATE DATABASE ${name}`);
  }
  const url = databaseUrl(name, serverUrl);
  const dataSource = createDataSource(url, options.db ?? loadConfig({ NODE_ENV: 'test' }).db, {
    applicationName: 'dignity-graph-test',
  });
  await dataSource.initialize();
  if (options.migrate !== false && !fromTemplate) {
    await dataSource.runMigrations({ transaction: 'each' });
  }
  return {
    url,
    dataSource,
    drop: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      for (const server of [serverUrl, ...workers]) {
        await retriedWhileInUse(() =>
          onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
        );
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
