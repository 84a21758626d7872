import 'reflect-metadata';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, loadDotEnv } from './config';
import { openDatabase } from './db/database';
import { poolOf } from './db/data-source';
import { EmbeddedDatabaseInUseError } from './db/embedded-postgres';
import { createLogger, wantsPrettyLogs } from './logger';
import { createApp } from './server';
import { seedProgramme } from '../seeds/programme';
import { ensureDevApiKey } from '../seeds/dev-api-key';

/** Start-up only: configuration, database, seed, server, signals. */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const log = createLogger(config.logLevel, { pretty: wantsPrettyLogs(config.isProduction) });
  const say = (line: string) => log.info(line);
  for (const warning of config.warnings) log.warn(warning);
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
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await app.stop();
    await database.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  say(
    `Dignity Graph is listening on ${config.host}:${port}: open http://${host}:${port}/ in a browser; GraphQL at http://${host}:${port}/graphql`,
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

/** A mistake of the environment the person starting the server can fix: one line, no stack. */
class StartError extends Error {}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      reject(
        error.code === 'EADDRINUSE'
          ? new StartError(
              `Port ${port} is already in use on ${host} (another npm start?): stop that process, or set PORT to another port`,
            )
          : error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL'
            ? new StartError(`Cannot listen on ${where} (${error.code}): set HOST and PORT`)
            : error,
      );
    });
    server.listen(port, host, resolve);
  });
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof StartError ||
    error instanceof EmbeddedDatabaseInUseError
  ) {
    console.error(error.message);
  } else {
    console.error('Dignity Graph failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
