import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { signToken } from '../auth/tokens';
import { loadConfig } from '../config';

/**
 * `npm run token -- --user <email>`: mints a development token for a seeded demo user.
 * Refuses in production, where tokens come from the identity provider.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  if (config.isProduction) throw new Error('npm run token is for development only; it refuses when NODE_ENV=production');
  const { values } = parseArgs({ options: { user: { type: 'string' }, ttl: { type: 'string', default: '8h' } } });
  if (!values.user) throw new Error('Usage: npm run token -- --user <email of a seeded user> [--ttl 8h]');
  const url = config.databaseUrl ?? (await embeddedUrl(config.embeddedPgDir));
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ subject: string }>('SELECT subject FROM users WHERE lower(email) = lower($1)', [values.user]);
    if (rows.length === 0) throw new Error(`No user with the email ${values.user}; see the README for the demo users`);
    console.log(await signToken(config.jwt, rows[0]!.subject, { expiresIn: values.ttl }));
  } finally {
    await client.end();
  }
}

/** The URL of the embedded database `npm start` runs; it must be running. */
async function embeddedUrl(dir: string): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const pid = readFileSync(resolve(dir, 'postmaster.pid'), 'utf8').split('\n');
  const port = pid[3]?.trim();
  if (!port) throw new Error(`The embedded PostgreSQL in ${dir} is not running: start the API with npm start first`);
  return `postgres://postgres:postgres@127.0.0.1:${port}/dignity_graph`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
