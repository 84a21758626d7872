import { types } from 'pg';
import { type DataSource, MigrationExecutor } from 'typeorm';
import type { Config } from '../config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';

// A DATE is a calendar day, not an instant: keep PostgreSQL's 'YYYY-MM-DD' instead of a
// Date at local midnight.
types.setTypeParser(types.builtins.DATE, (value) => value);

export type Database = Readonly<{
  dataSource: DataSource;
  embedded: boolean;
  close: () => Promise<void>;
}>;

/**
 * Connects to DATABASE_URL, or starts the embedded PostgreSQL when it is unset, and applies
 * pending migrations. The connecting role owns the schema and must bypass row-level security
 * (a superuser, or BYPASSRLS): requests drop to the application role themselves.
 */
export async function openDatabase(config: Config, log: (line: string) => void): Promise<Database> {
  const embedded = config.databaseUrl ? null : await startEmbeddedPostgres(config.embeddedPgDir);
  if (embedded) log(`Started the embedded PostgreSQL (data in ${config.embeddedPgDir})`);
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, config.db);
  try {
    await dataSource.initialize();
    await checkOwnerRole(dataSource);
    for (const migration of await migrateExclusively(dataSource)) {
      log(`Applied migration ${migration.name}`);
    }
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    embedded: embedded !== null,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

async function checkOwnerRole(dataSource: DataSource): Promise<void> {
  const [role] = await dataSource.query<{ bypasses: boolean }[]>(
    `SELECT rolsuper OR rolbypassrls AS bypasses FROM pg_roles WHERE rolname = current_user`,
  );
  if (!role?.bypasses) {
    throw new Error(
      'The DATABASE_URL role must be a superuser or have BYPASSRLS: it reads memberships to authenticate requests, which then run as the restricted role dg_app',
    );
  }
}

/** Any fixed number: the advisory lock replicas take while migrating. */
const MIGRATION_LOCK_KEY = 0x64675f6d;

/**
 * Applies pending migrations while holding an advisory lock, so replicas starting together
 * apply each migration once (TypeORM takes no lock of its own).
 */
async function migrateExclusively(dataSource: DataSource) {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    // On the lock's own connection, so a pool of one cannot deadlock.
    const executor = new MigrationExecutor(dataSource, lock);
    executor.transaction = 'each';
    return await executor.executePendingMigrations();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}
