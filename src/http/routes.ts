import { setTimeout as sleep } from 'node:timers/promises';
import cors from 'cors';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { explorerRouter } from '../explorer/explorer.routes';
import type { Metrics } from '../observability/metrics';

/** /readyz answers within this, even when the database hangs instead of refusing. */
const READINESS_TIMEOUT_MS = 1500;

/**
 * The routes beside GraphQL, mounted before it: /healthz, /readyz, /metrics, the CORS policy
 * of /graphql, the explorer (when enabled) and the plain-text landing page.
 */
export function mountRoutes(
  app: Express,
  deps: { config: Config; dataSource: DataSource; metrics: Metrics },
): void {
  const { config, dataSource, metrics } = deps;
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ready = await readiness(dataSource);
    res.status(ready.ok ? 200 : 503).json(ready);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // Before the explorer's routes, whose router would answer a preflight itself.
  app.use(
    '/graphql',
    cors({
      // No origin configured: no CORS headers at all, so browsers keep other sites out.
      origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      maxAge: 600,
    }),
  );
  // A browser's GET / or GET /graphql (no query) gets the explorer; API clients never do.
  if (config.explorer) app.use(explorerRouter(config));
  app.get('/', (_req, res) => {
    res.type('text/plain').send(landingText(config));
  });
}

/** express's `trust proxy`: true/false, a hop count, or a list of addresses and subnets. */
export function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Ready when the database answers and every migration has been applied — within
 * READINESS_TIMEOUT_MS, so a database that hangs instead of refusing still reads as down.
 */
async function readiness(
  dataSource: DataSource,
): Promise<{ ok: boolean; database: string; migrations: string }> {
  const down = { ok: false, database: 'down', migrations: 'unknown' };
  const timeout = sleep(READINESS_TIMEOUT_MS, down, { ref: false });
  const check = dataSource.showMigrations().then(
    (pending) => ({ ok: !pending, database: 'up', migrations: pending ? 'pending' : 'current' }),
    () => down,
  );
  return Promise.race([check, timeout]);
}

function landingText(config: Config): string {
  return [
    'Dignity Graph — GraphQL API for the monitoring data of the Living with Dignity programme.',
    '',
    `Environment: ${config.env}`,
    'GraphQL endpoint: POST /graphql (Authorization: Bearer <token> or X-Api-Key: <key>)',
    ...(config.explorer ? ['Explorer: open / or /graphql in a browser'] : []),
    config.isProduction
      ? ''
      : 'Get a development token: npm run token -- --user tj-admin@demo.dignity-graph.org',
  ].join('\n');
}
