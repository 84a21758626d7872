import 'reflect-metadata';
import { ConfigError } from '../config';
import { openDatabase } from '../db/database';
import { EmbeddedDatabaseInUseError } from '../db/embedded-postgres';
import { scriptConfig } from './script-env';

/** `npm run db:migrate`: applies pending migrations (the embedded database when DATABASE_URL is unset). */
async function main(): Promise<void> {
  const config = scriptConfig();
  const database = await openDatabase(config, (line) => console.log(line));
  console.log('Migrations are current');
  await database.close();
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof EmbeddedDatabaseInUseError
      ? error.message
      : `db:migrate failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
