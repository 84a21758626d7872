import 'reflect-metadata';
import { ConfigError } from '../config';
import { openDatabase, type Database } from '../db/database';
import { EmbeddedDatabaseInUseError } from '../db/embedded-postgres';
import { scriptConfig } from './script-env';
import { poolOf } from '../db/data-source';
import { ensureDevApiKey } from '../../seeds/dev-api-key';
import { seedProgramme } from '../../seeds/programme';
import { seedSynthetic } from '../../seeds/synthetic';

/**
 * `npm run db:seed [-- --scale N]`: applies migrations, loads the programme data (seeds/programme.ts)
 * and the development API key, and with `--scale N` adds N units of synthetic data. Uses
 * DATABASE_URL, or the embedded PostgreSQL when it is unset. Safe to run again: whatever is
 * already there is skipped.
 */

class UsageError extends Error {}

const USAGE = 'usage: npm run db:seed [-- --scale N]   (N: a whole number ≥ 1)';

/** Reads `--scale N` or `--scale=N`; anything else is a usage error. */
function parseSeedArguments(argv: readonly string[]): { scale: number | null } {
  let scale: number | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    let value: string | undefined;
    if (arg === '--scale') value = argv[++i];
    else if (arg.startsWith('--scale=')) value = arg.slice('--scale='.length);
    else throw new UsageError(`unknown argument '${arg}'\n${USAGE}`);
    if (value === undefined || !/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new UsageError(`--scale must be a whole number ≥ 1, got '${value ?? ''}'\n${USAGE}`);
    }
    scale = Number(value);
  }
  return { scale };
}

async function main(): Promise<void> {
  const { scale } = parseSeedArguments(process.argv.slice(2));
  const config = scriptConfig();
  // The seed writes demo users with known subjects and mints an API key: never in production.
  if (config.isProduction) {
    throw new UsageError(
      'db:seed loads demo users and a development API key: refusing with NODE_ENV=production',
    );
  }
  const say = (line: string) => console.log(line);
  let database: Database | null = null;
  try {
    database = await openDatabase(config, say);
    const client = await poolOf(database.dataSource).connect();
    try {
      const report = await seedProgramme(client);
      say(`Programme seed: ${report.totalInserted} rows inserted`);
      for (const [table, count] of Object.entries(report.inserted)) say(`  ${table}: ${count}`);
      if (report.totalInserted === 0) say('  (already present: nothing to do)');

      const token = await ensureDevApiKey(client);
      if (token) {
        say(`Development API key (International Alert; TJ, KG, UZ; read, write):\n  ${token}`);
        say('  Copy it now: it will not be shown again (only its hash is stored).');
      } else {
        say('Development API key: one already exists (revoke it to have a new one made).');
      }

      if (scale !== null) {
        say(`Synthetic data at scale ${scale}:`);
        const synthetic = await seedSynthetic(client, scale, (line) => say(`  ${line}`));
        for (const [table, count] of Object.entries(synthetic.inserted)) {
          say(`  ${table}: ${count.toLocaleString('en')} rows inserted`);
        }
      }
    } finally {
      client.release();
    }
  } finally {
    await database?.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (
      error instanceof ConfigError ||
      error instanceof UsageError ||
      error instanceof EmbeddedDatabaseInUseError
    ) {
      console.error(error.message);
    } else console.error('db:seed failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
