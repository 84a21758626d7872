import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseExtraLanguages } from './modules/translation/translation.languages';

/** A configuration mistake: its message names the variable, and is all a person needs to see. */
export class ConfigError extends Error {}

/**
 * The process configuration, read from the environment once, validated and frozen.
 * A bad value stops the start with a message that names the variable.
 *
 * Longer than 300 lines on purpose: every variable the process reads is declared, validated
 * and typed here and nowhere else, so that one file answers "what can I configure".
 */
const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = z.coerce.number().int().positive();

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    // Loopback: a development instance is not reachable from the office network. Containers
    // set HOST=0.0.0.0 themselves (Dockerfile, docker-compose.yml).
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    EMBEDDED_DATABASE: boolean.optional(),
    DATA_DIR: z.string().default('.data'),
    EMBEDDED_PG_DIR: z.string().optional(),
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
    // The changes feed and webhooks (docs/changes-and-webhooks.md).
    CHANGES_RETENTION_DAYS: z.coerce.number().positive().default(90),
    WEBHOOK_WORKER: z.enum(['in-process', 'off']).default('in-process'),
    WEBHOOK_ALLOW_LOOPBACK: boolean.default(false),
    WEBHOOK_TIMEOUT_MS: positiveInt.default(15_000),
    WEBHOOK_POLL_MS: positiveInt.default(1000),
    WEBHOOK_RETRY_SCHEDULE_S: z
      .string()
      .regex(/^\d+(\.\d+)?(,\d+(\.\d+)?)*$/, 'must be seconds separated by commas')
      .transform((value) => value.split(',').map(Number))
      .default([5, 300, 1800, 7200, 18_000, 36_000, 50_400, 72_000, 86_400]),
    // Languages beyond the six built in (README, "Languages"): `tag:fallback,…` separated by `;`.
    EXTRA_LANGUAGES: z
      .string()
      .transform((value, ctx) => {
        try {
          return parseExtraLanguages(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
          return z.NEVER;
        }
      })
      .default({}),
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
    if (env.WEBHOOK_ALLOW_LOOPBACK && env.NODE_ENV === 'production') {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOK_ALLOW_LOOPBACK'],
        message: 'is for tests and development only: production endpoints must be public https',
      });
    }
    if (env.DATABASE_URL && env.EMBEDDED_DATABASE === true) {
      ctx.addIssue({
        code: 'custom',
        path: ['EMBEDDED_DATABASE'],
        message: 'is true but DATABASE_URL is set too: set one or the other',
      });
    }
    if (!env.DATABASE_URL && (env.EMBEDDED_DATABASE ?? env.NODE_ENV !== 'production') === false) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message:
          env.NODE_ENV === 'production'
            ? 'is required in production (a postgres:// URL); to run the embedded PostgreSQL in production on purpose, set EMBEDDED_DATABASE=true'
            : 'is required when EMBEDDED_DATABASE=false',
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

/** Variable names of this repository's other tools (the example client), not of the server. */
const OTHER_KNOWN = ['DG_URL', 'DG_TOKEN', 'DG_TENANT', 'DG_PAGE_SIZE', 'DG_SCHEMA_URL'];

/** Name prefixes of this API's variables: an unknown name starting with one is a mistake. */
const OUR_PREFIXES = [
  'DB_',
  'JWT_',
  'MAX_QUERY_',
  'RATE_LIMIT_',
  'EMBEDDED_',
  'DG_',
  'WEBHOOK_',
  'CHANGES_',
];

const KNOWN = [...Object.keys(schema.shape), ...OTHER_KNOWN];

/**
 * Variables that look like ours but are not (a misspelling, a wrong case, an unknown name with
 * our prefix), each with the name probably meant. Read in production as a refusal: a
 * misspelled DATABASE_URL or JWT_SECRET must not leave a default in force.
 */
export function unknownVariables(env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(env)) {
    if (KNOWN.includes(name)) continue;
    const upper = name.toUpperCase();
    const nearest = (names: readonly string[]) =>
      names
        .map((known) => ({ known, distance: editDistance(upper, known) }))
        .reduce((a, b) => (b.distance < a.distance ? b : a));
    const best = nearest(KNOWN);
    // One edit in a short name, two in a longer one: PATH is not PORT, DATABSE_URL is DATABASE_URL.
    const close = best.distance <= (best.known.length <= 7 ? 1 : 2);
    const prefix = OUR_PREFIXES.find((p) => upper.startsWith(p));
    const family = KNOWN.filter((known) => prefix && known.startsWith(prefix));
    const meant = close
      ? best.known
      : prefix
        ? nearest(family.length > 0 ? family : KNOWN).known
        : null;
    if (meant)
      problems.push(`${name} is not a variable Dignity Graph reads: did you mean ${meant}?`);
  }
  return problems;
}

/** Optimal string alignment distance: insertions, deletions, substitutions, transpositions. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The file, under the data directory, that holds this instance's development signing secret. */
export const DEV_SECRET_FILE = 'dev-jwt-secret';

/**
 * The development signing secret of a data directory: made at random the first time and kept
 * there (readable by its owner only), so every instance has its own and a token minted for one
 * developer's instance is worthless against another's.
 */
export function developmentSecret(dataDir: string): string {
  const file = join(dataDir, DEV_SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    // Written aside, then linked into place: of two processes starting together, one links
    // its secret and both read that one, never a half-written file.
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32) {
    throw new ConfigError(`${file} holds no usable secret: delete it and start again`);
  }
  return secret;
}

/**
 * Reads `.env` from the working directory into process.env, if there is one. Variables
 * already set in the environment win over the file.
 */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

export type Config = Readonly<{
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  host: string;
  databaseUrl: string | undefined;
  /** Where local state lives: the embedded database and the development secret. */
  dataDir: string;
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
  changes: Readonly<{ retentionDays: number }>;
  webhooks: Readonly<{
    /** Whether the API process also runs the delivery worker (`npm run worker` runs it alone). */
    inProcess: boolean;
    /** Tests and development only: http and loopback addresses allowed. */
    allowLoopback: boolean;
    timeoutMs: number;
    pollMs: number;
    /** Seconds to wait before each retry; after the last, the delivery is dead. */
    retryScheduleS: readonly number[];
  }>;
  /** Languages added to the built-in six: each tag with its chain (itself first). */
  extraLanguages: Readonly<Record<string, readonly string[]>>;
  /** Variables that look like ours but are not (see unknownVariables), to warn about. */
  warnings: readonly string[];
}>;

/** Parses an environment (by default `process.env`) into a frozen `Config`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')),
  );
  const unknown = unknownVariables(env);
  const production = env.NODE_ENV === 'production';
  const lines = [
    ...(parsed.success ? [] : parsed.error.issues).map(
      (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    ),
    ...(production ? unknown.map((line) => `  ${line}`) : []),
  ];
  if (!parsed.success || lines.length > 0) {
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
    dataDir: e.DATA_DIR,
    embeddedPgDir: e.EMBEDDED_PG_DIR ?? join(e.DATA_DIR, 'postgres'),
    db: Object.freeze({
      poolMax: e.DB_POOL_MAX,
      connectionTimeoutMs: e.DB_CONNECTION_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    }),
    // The seed holds demo users: never loaded in production unless asked for.
    seedOnStart: e.SEED_ON_START ?? !isProduction,
    jwt: Object.freeze({
      secret:
        e.JWT_SECRET ??
        (isProduction || e.JWT_JWKS_URL ? undefined : developmentSecret(e.DATA_DIR)),
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
    changes: Object.freeze({ retentionDays: e.CHANGES_RETENTION_DAYS }),
    webhooks: Object.freeze({
      inProcess: e.WEBHOOK_WORKER === 'in-process',
      allowLoopback: e.WEBHOOK_ALLOW_LOOPBACK,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      pollMs: e.WEBHOOK_POLL_MS,
      retryScheduleS: Object.freeze([...e.WEBHOOK_RETRY_SCHEDULE_S]),
    }),
    extraLanguages: Object.freeze({ ...e.EXTRA_LANGUAGES }),
    warnings: Object.freeze(unknown),
  });
}
