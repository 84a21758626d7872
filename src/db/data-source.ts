import { join } from 'node:path';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { XID8 } from '../modules/changes/change-log.entity';
import { ENTITIES } from './entities';

const MIGRATIONS = join(__dirname, '..', '..', 'migrations', '*.{ts,js}');

/**
 * The TypeORM data source: the migration role's pool. Requests never use it directly;
 * they run in a `RequestTransaction` as the application role (see request-transaction.ts).
 */
export function createDataSource(
  url: string,
  db: Config['db'],
  options: { applicationName?: string } = {},
): DataSource {
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [MIGRATIONS],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Extensions are created by migrations, reviewed like everything else.
    installExtensions: false,
    logging: false,
    poolSize: db.poolMax,
    applicationName: options.applicationName ?? 'dignity-graph',
    extra: {
      // pg waits forever for a free connection by default; fail fast instead.
      connectionTimeoutMillis: db.connectionTimeoutMs,
      idleTimeoutMillis: 10_000,
      statement_timeout: db.statementTimeoutMs,
      idle_in_transaction_session_timeout: Math.max(db.statementTimeoutMs * 2, 10_000),
    },
  });
  // The change log's transaction ids are xid8, a type TypeORM does not list (it refuses an
  // entity with a type it does not know); compared by name, the schema builder then agrees.
  dataSource.driver.supportedDataTypes.push(XID8);
  return dataSource;
}

/** The pg pool under a TypeORM data source (created when it is initialised). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
