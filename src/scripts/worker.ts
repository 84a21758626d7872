import 'reflect-metadata';
import { ConfigError } from '../config';
import { openDatabase } from '../db/database';
import { poolOf } from '../db/data-source';
import { EmbeddedDatabaseInUseError } from '../db/embedded-postgres';
import { createLogger, wantsPrettyLogs } from '../logger';
import { WebhookWorker } from '../modules/webhook/webhook.worker';
import { scriptConfig } from './script-env';

/**
 * `npm run worker`: the webhook worker on its own, for deployments that run the API with
 * WEBHOOK_WORKER=off. Several may run at once: they share the work through row locks.
 */
async function main(): Promise<void> {
  const config = scriptConfig();
  const log = createLogger(config.logLevel, { pretty: wantsPrettyLogs(config.isProduction) });
  const database = await openDatabase(config, (line) => log.info(line));
  const worker = new WebhookWorker(
    poolOf(database.dataSource),
    config.webhooks,
    config.changes.retentionDays,
    log,
  );
  worker.start();
  log.info('Webhook worker started');
  const stop = async () => {
    await worker.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(
    error instanceof ConfigError || error instanceof EmbeddedDatabaseInUseError
      ? error.message
      : `worker failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
