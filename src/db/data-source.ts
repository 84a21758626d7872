import { join } from 'node:path';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
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
  return new DataSource({
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
}

/** The pg pool under a TypeORM data source (created when it is initialised). */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}
