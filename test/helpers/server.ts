import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { signToken } from '../../src/auth/tokens';
import { type Config, loadConfig } from '../../src/config';
import { poolOf } from '../../src/db/data-source';
import '../../src/db/database';
import { type App, createApp, type UnsafeTestLayers } from '../../src/server';
import { ensureDevApiKey } from '../../seeds/dev-api-key';
import { seedProgramme } from '../../seeds/programme';
import { createTestDatabase, type TestDatabase } from './database';

export type GraphQLResponse<T = Record<string, unknown>> = {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: Record<string, unknown>;
    }[];
  };
};

export type TestServer = Readonly<{
  url: string;
  db: TestDatabase;
  app: App;
  config: Config;
  /** The seeded development API key (International Alert, TJ KG UZ, read+write). */
  devApiKey: string;
  /** SQL round trips of each finished GraphQL request, in order. */
  statements: number[];
  /** POSTs a GraphQL request; `auth` is a bearer token, or { apiKey }. */
  graphql: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    auth?: string | { apiKey: string } | null,
    headers?: Record<string, string>,
  ) => Promise<GraphQLResponse<T>>;
  /** Signs a token for a seeded user's subject (e.g. 'demo|tj-admin'). */
  tokenFor: (subject: string, options?: Parameters<typeof signToken>[2]) => Promise<string>;
  close: () => Promise<void>;
}>;

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';

/**
 * Starts the real HTTP server on a free port over this test file's own migrated and seeded
 * database. `env` overrides the configuration, the database pool's size included (e.g.
 * DB_POOL_MAX=1).
 */
export async function startTestServer(
  options: {
    env?: Record<string, string>;
    unsafeTestLayers?: UnsafeTestLayers;
    seed?: boolean;
    /** Another PostgreSQL server than the run's (e.g. one a test stops and starts). */
    adminUrl?: string;
  } = {},
): Promise<TestServer> {
  const env = {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: 'silent',
    // The suites send thousands of requests as a handful of principals: limits that only the
    // rate-limit tests lower again (through the same configuration production uses).
    RATE_LIMIT_POINTS: '100000000',
    RATE_LIMIT_ANONYMOUS_POINTS: '100000000',
    // The webhook worker polls the database; only the webhook tests run it.
    WEBHOOK_WORKER: 'off',
    ...options.env,
  };
  // Only the pool settings matter here; production refuses a configuration without a database.
  const poolSettings = loadConfig({ ...env, DATABASE_URL: 'postgres://not-connected-yet' }).db;
  const db = await createTestDatabase({ db: poolSettings, adminUrl: options.adminUrl });
  let devApiKey = '';
  if (options.seed !== false) {
    const client = await poolOf(db.dataSource).connect();
    try {
      await seedProgramme(client);
      devApiKey = (await ensureDevApiKey(client)) ?? '';
    } finally {
      client.release();
    }
  }
  const config = loadConfig({ ...env, DATABASE_URL: db.url });
  const statements: number[] = [];
  const app = await createApp({
    config,
    dataSource: db.dataSource,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    unsafeTestLayers: options.unsafeTestLayers,
    onRequestEnd: (stats) => statements.push(stats.statements),
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  return {
    url,
    db,
    app,
    config,
    devApiKey,
    statements,
    graphql: async (query, variables, auth, headers = {}) => {
      const authHeaders: Record<string, string> =
        typeof auth === 'string'
          ? { authorization: `Bearer ${auth}` }
          : auth
            ? { 'x-api-key': auth.apiKey }
            : {};
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeaders, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as never,
      };
    },
    tokenFor: (subject, tokenOptions) => signToken(config.jwt, subject, tokenOptions),
    close: async () => {
      await app.stop();
      await db.drop();
    },
  };
}
