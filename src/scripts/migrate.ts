import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config';
import { openDatabase } from '../db/database';

/** `npm run db:migrate`: applies pending migrations (the embedded database when DATABASE_URL is unset). */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, (line) => console.log(line));
  console.log('Migrations are current');
  await database.close();
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
});
