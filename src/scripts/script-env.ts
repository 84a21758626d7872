import { Client } from 'pg';
import { type Config, loadConfig, loadDotEnv } from '../config';
import { runningEmbeddedUrl } from '../db/embedded-postgres';

/**
 * The configuration of a command-line tool: `.env` read like `npm start` does, warnings about
 * variables that look like ours but are not on standard error (standard output may be a
 * token or key that a script captures).
 */
export function scriptConfig(): Config {
  loadDotEnv();
  const config = loadConfig();
  for (const warning of config.warnings) console.error(`Warning: ${warning}`);
  return config;
}

/** A connection to DATABASE_URL, or to the embedded database of a running `npm start`. */
export async function connectScriptClient(config: Config): Promise<Client> {
  const client = new Client({
    connectionString: config.databaseUrl ?? runningEmbeddedUrl(config.embeddedPgDir),
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  return client;
}
