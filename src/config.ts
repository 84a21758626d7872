import { z } from 'zod';

/**
 * The process configuration, read from the environment once, validated and frozen.
 * A bad value stops the start with a message that names the variable.
 */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    EMBEDDED_PG_DIR: z.string().default('.data/postgres'),
    DB_POOL_MAX: positiveInt.default(20),
    DB_CONNECTION_TIMEOUT_MS: positiveInt.default(2000),
    DB_STATEMENT_TIMEOUT_MS: positiveInt.default(5000),
    SEED_ON_START: boolean.optional(),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_JWKS_URL: z.string().url().optional(),
    JWT_ISSUER: z.string().default('dignity-graph'),
    JWT_AUDIENCE: z.string().default('dignity-graph-api'),
    ALLOW_INTROSPECTION: boolean.optional(),
    EXPLORER: boolean.optional(),
    MAX_QUERY_DEPTH: positiveInt.default(15),
    MAX_QUERY_ALIASES: positiveInt.default(15),
    MAX_QUERY_TOKENS: positiveInt.default(2000),
    MAX_QUERY_DIRECTIVES: positiveInt.default(50),
    MAX_QUERY_COST: positiveInt.default(50_000),
    CORS_ORIGINS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.url({ protocol: /^https?$/ })))
      .default([]),
    TRUST_PROXY: z.string().optional(),
    RATE_LIMIT_POINTS: positiveInt.default(100_000),
    RATE_LIMIT_ANONYMOUS_POINTS: positiveInt.default(1000),
    RATE_LIMIT_DURATION_S: positiveInt.default(60),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    RATE_LIMIT_KEY_PREFIX: z.string().default('dg:rate'),
    REQUEST_TIMEOUT_MS: positiveInt.default(15_000),
    SHUTDOWN_GRACE_MS: positiveInt.default(10_000),
    TEST_REQUEST_DELAY_MS: z.coerce.number().int().min(0).optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.TEST_REQUEST_DELAY_MS !== undefined && env.NODE_ENV !== 'test') {
      ctx.addIssue({
        code: 'custom',
        path: ['TEST_REQUEST_DELAY_MS'],
        message: 'is only allowed with NODE_ENV=test',
      });
    }
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'is required in production (or set JWT_JWKS_URL)',
      });
    }
  });

/** A development-only signing secret, so `npm start` works with no configuration. */
const DEV_JWT_SECRET = 'dignity-graph-development-secret-not-for-production';

export type Config = Readonly<{
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  embeddedPgDir: string;
  db: Readonly<{ poolMax: number; connectionTimeoutMs: number; statementTimeoutMs: number }>;
  seedOnStart: boolean;
  jwt: Readonly<{
    secret: string | undefined;
    jwksUrl: string | undefined;
    issuer: string;
    audience: string;
  }>;
  allowIntrospection: boolean;
  /** Whether a browser gets the GraphiQL explorer at / and /graphql. */
  explorer: boolean;
  logLevel: string;
  /** Limits a query must pass before anything runs (see src/limits/query-limits.ts). */
  queryLimits: Readonly<{
    depth: number;
    aliases: number;
    tokens: number;
    directives: number;
    cost: number;
  }>;
  /** Origins a browser may call the API from; none by default (no CORS headers at all). */
  corsOrigins: readonly string[];
  /** express's `trust proxy` setting, so the client's address is right behind a proxy. */
  trustProxy: string | undefined;
  rateLimit: Readonly<{
    points: number;
    anonymousPoints: number;
    durationS: number;
    redisUrl: string | undefined;
    keyPrefix: string;
  }>;
  requestTimeoutMs: number;
  shutdownGraceMs: number;
  /** Test only (refused outside NODE_ENV=test): delays every GraphQL response. */
  testRequestDelayMs: number;
}>;

export class ConfigError extends Error {}

/** Parses an environment (by default `process.env`) into a frozen `Config`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  // Off in production unless asked for: it tells a visitor which environment this is.
  const explorer = e.EXPLORER ?? !isProduction;
  return Object.freeze({
    env: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    embeddedPgDir: e.EMBEDDED_PG_DIR,
    db: Object.freeze({
      poolMax: e.DB_POOL_MAX,
      connectionTimeoutMs: e.DB_CONNECTION_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    }),
    // The seed holds demo users: never loaded in production unless asked for.
    seedOnStart: e.SEED_ON_START ?? !isProduction,
    jwt: Object.freeze({
      secret: e.JWT_SECRET ?? (isProduction || e.JWT_JWKS_URL ? undefined : DEV_JWT_SECRET),
      jwksUrl: e.JWT_JWKS_URL,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
    }),
    // The explorer's docs and completion need introspection: asking for the explorer in
    // production turns it on too, unless ALLOW_INTROSPECTION says otherwise.
    allowIntrospection: e.ALLOW_INTROSPECTION ?? (!isProduction || explorer),
    explorer,
    logLevel: e.LOG_LEVEL,
    queryLimits: Object.freeze({
      depth: e.MAX_QUERY_DEPTH,
      aliases: e.MAX_QUERY_ALIASES,
      tokens: e.MAX_QUERY_TOKENS,
      directives: e.MAX_QUERY_DIRECTIVES,
      cost: e.MAX_QUERY_COST,
    }),
    corsOrigins: Object.freeze([...e.CORS_ORIGINS]),
    trustProxy: e.TRUST_PROXY,
    rateLimit: Object.freeze({
      points: e.RATE_LIMIT_POINTS,
      anonymousPoints: e.RATE_LIMIT_ANONYMOUS_POINTS,
      durationS: e.RATE_LIMIT_DURATION_S,
      redisUrl: e.REDIS_URL,
      keyPrefix: e.RATE_LIMIT_KEY_PREFIX,
    }),
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    testRequestDelayMs: e.TEST_REQUEST_DELAY_MS ?? 0,
  });
}
