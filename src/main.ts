import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { poolOf } from './db/data-source';
import { createLogger } from './logger';
import { createApp } from './server';
import { seedProgramme } from '../seeds/programme';
import { ensureDevApiKey } from '../seeds/dev-api-key';

/** Start-up only: configuration, database, seed, server, signals. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  const say = (line: string) => log.info(line);
  const database = await openDatabase(config, say);
  const { dataSource } = database;

  if (config.seedOnStart) {
    const client = await poolOf(dataSource).connect();
    try {
      const report = await seedProgramme(client);
      say(
        report.totalInserted > 0 ? 'Loaded the programme seed data' : 'Seed data already present',
      );
      if (!config.isProduction) {
        const key = await ensureDevApiKey(client);
        if (key) say(`Development API key (shown once): ${key}`);
      }
    } finally {
      client.release();
    }
  }

  const app = await createApp({ config, dataSource, log });
  const { server } = app;
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  say(
    `Dignity Graph is listening: open http://localhost:${port}/ in a browser; GraphQL at http://localhost:${port}/graphql`,
  );
  if (!config.isProduction) {
    say(
      'Get a token: npm run token -- --user tj-admin@demo.dignity-graph.org, then send "Authorization: Bearer <token>"',
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal} received: finishing in-flight requests`);
    // Apollo's drain plugin stops accepting connections and waits for in-flight requests, up
    // to SHUTDOWN_GRACE_MS; then the pool closes.
    await app.stop();
    await database.close();
    say('Stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('Dignity Graph failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
