import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  type ASTNode,
  type DocumentNode,
  Kind,
  type ObjectFieldNode,
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  OperationTypeNode,
  visit,
} from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import { ArgumentValidationError, buildSchema } from 'type-graphql';
import type { DataSource } from 'typeorm';
import { Access } from './auth/access';
import { refuseAnonymousData } from './auth/anonymous-requests';
import { ApiKeyUsage } from './auth/api-key-usage';
import {
  AuthenticationError,
  Authenticator,
  principalFromRows,
  principalPreamble,
} from './auth/authenticate';
import { actorOf, PrincipalKind } from './auth/principal';
import { databaseError, domainErrorOf } from './common/database-errors';
import { DomainError, ErrorCode } from './common/errors';
import { firstViolation, validateArguments } from './common/validation';
import type { Config } from './config';
import { RequestContext } from './context';
import { RequestTransaction } from './db/request-transaction';
import { explorerRouter } from './explorer/explorer.routes';
import { schemaRouter } from './explorer/schema.routes';
import { AuditResolver } from './modules/audit/audit.resolver';
import { ImportResolver } from './modules/import/import.resolver';
import {
  enforceListMaximums,
  isTokenLimitError,
  queryCost,
  queryLimitRules,
  queryTooComplex,
} from './limits/query-limits';
import { RateLimit, type RateLimitKey } from './limits/rate-limit';
import { Metrics } from './observability/metrics';
import { type RecordLocals, requestLogging } from './observability/request-log';
import { ActivityResolver } from './modules/activity/activity.resolver';
import { ApiKeyResolver } from './modules/api-key/api-key.resolver';
import { CommunityResolver } from './modules/community/community.resolver';
import { IndicatorResolver } from './modules/indicator/indicator.resolver';
import { MeasurementResolver } from './modules/measurement/measurement.resolver';
import { OutcomeResolver } from './modules/outcome/outcome.resolver';
import { TenantMembershipResolver } from './modules/membership/membership.resolver';
import { MembershipResolver, MeResolver } from './modules/me/me.resolver';
import { ProjectResolver } from './modules/project/project.resolver';
import { SharingAgreementResolver } from './modules/sharing-agreement/sharing-agreement.resolver';
import { TenantResolver } from './modules/tenant/tenant.resolver';
import { applyPermissions } from './permissions/permissions';
import { poolOf } from './db/data-source';

export const RESOLVERS = [
  MeResolver,
  MembershipResolver,
  TenantResolver,
  ProjectResolver,
  CommunityResolver,
  ActivityResolver,
  IndicatorResolver,
  MeasurementResolver,
  TenantMembershipResolver,
  ApiKeyResolver,
  AuditResolver,
  ImportResolver,
  OutcomeResolver,
  SharingAgreementResolver,
] as const;

/** The schema as type-graphql builds it, before the permission layer. */
export function buildBareSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateArguments,
  });
}

/** Test-only switches: production code never passes them. */
export type UnsafeTestLayers = Readonly<{ shield?: boolean; scopedSql?: boolean }>;

export type AppOptions = Readonly<{
  config: Config;
  dataSource: DataSource;
  log: Logger;
  unsafeTestLayers?: UnsafeTestLayers;
  /** Called after each GraphQL request with the SQL round trips it made (tests, metrics). */
  onRequestEnd?: (stats: { operationName: string | null; statements: number }) => void;
}>;

export type App = Readonly<{
  server: Server;
  apollo: ApolloServer<RequestContext>;
  schema: GraphQLSchema;
  metrics: Metrics;
  /** Drains in-flight requests (up to SHUTDOWN_GRACE_MS), then closes the rate limit's Redis. */
  stop: () => Promise<void>;
}>;

/** Locals the middlewares leave for Apollo's context function. */
type Locals = RecordLocals & { context: RequestContext };

/** Codes of errors the server (not the client) caused: their answers carry the request id. */
const SERVER_CODES = new Set<unknown>([
  ErrorCode.INTERNAL_SERVER_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
  ErrorCode.TIMEOUT,
]);

/** How long start-up waits for the rate limit's Redis before serving on memory budgets. */
const REDIS_READY_TIMEOUT_MS = 2000;

/** /readyz answers within this, even when the database hangs instead of refusing. */
const READINESS_TIMEOUT_MS = 1500;

/**
 * Builds the HTTP server: GraphQL at /graphql behind limits, authentication, the rate limit
 * and the permission layer, plus /healthz, /readyz, /metrics and (when enabled) the explorer.
 * Used by main.ts and the tests.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, dataSource, log } = options;
  const pool = poolOf(dataSource);
  const bare = enforceListMaximums(await buildBareSchema());
  const schema = options.unsafeTestLayers?.shield === false ? bare : applyPermissions(bare);
  const authenticator = new Authenticator(config.jwt);
  const keyUsage = new ApiKeyUsage(pool, log);
  const metrics = new Metrics(pool);
  const rateLimit = RateLimit.create(config.rateLimit, log);
  await rateLimit.ready(REDIS_READY_TIMEOUT_MS);
  const app = express();
  app.disable('x-powered-by');
  // Express hashes every body it sends for an ETag; GraphQL answers are POSTed and never
  // revalidated, and a project page is 200 kB to hash. The explorer's assets keep theirs.
  app.set('etag', false);
  if (config.trustProxy !== undefined) app.set('trust proxy', trustProxyValue(config.trustProxy));
  const server = createServer(app);

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.allowIntrospection,
    includeStacktraceInErrorResponses: false,
    // Also turns off "Did you mean …?" suggestions, which would let a probe map the schema.
    hideSchemaDetailsFromClientErrors: config.isProduction,
    // graphql-js stops lexing past this many tokens (graphql-armor's own token plugin answers 500).
    parseOptions: { maxTokens: config.queryLimits.tokens },
    validationRules: queryLimitRules(config.queryLimits),
    // Both are Apollo's defaults, stated because the limits above count one operation only.
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({
        httpServer: server,
        stopGracePeriodMillis: config.shutdownGraceMs,
      }),
      ApolloServerPluginLandingPageDisabled(),
      // Responses are per principal and never cacheable; the plugin would also wrap every
      // field's resolver to read cache hints, a cost paid on every object of a page.
      ApolloServerPluginCacheControlDisabled(),
      requestPlugin({ config, rateLimit, onRequestEnd: options.onRequestEnd }),
    ],
  });
  await apollo.start();

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
  app.use(schemaRouter({ schema: bare, authenticator, pool, log }));
  // A browser's GET / or GET /graphql (no query) gets the explorer; API clients never do.
  if (config.explorer) app.use(explorerRouter(config));
  app.get('/', (_req, res) => {
    res.type('text/plain').send(landingText(config));
  });

  app.use(
    '/graphql',
    requestLogging(log, metrics),
    express.json({ limit: '1mb' }),
    (req: Request, _res: Response, next: NextFunction) => {
      // Express 5 leaves `body` unset for GET and for other content types, and Apollo's express
      // integration answers that with a 500; with an empty body Apollo itself answers (CSRF
      // prevention for text/plain and other simple requests, 400 for a missing query).
      req.body ??= {};
      next();
    },
    async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
      const record = res.locals.record;
      const { requestId } = record;
      const requestLog = log.child({ requestId });
      try {
        const credential = await authenticator.credentialOf(req.headers);
        if (credential.kind === 'anonymous') {
          const key: RateLimitKey = { kind: 'ip', id: req.ip ?? 'unknown' };
          await rateLimit.spend(key, 1);
          res.locals.context = new RequestContext(
            requestId,
            new Access(null),
            null,
            requestLog,
            record,
            key,
          );
          return next();
        }
        const [tx, results] = await RequestTransaction.open(
          pool,
          principalPreamble(credential, record),
          Date.now() + config.requestTimeoutMs,
        );
        // Whatever happens to the request, its transaction never outlives it.
        res.on('close', () => void tx.rollback().catch(() => undefined));
        const found = principalFromRows(credential, results[0]?.rows ?? []);
        if (!found) {
          await tx.rollback();
          throw new AuthenticationError('The credential is not valid, or grants nothing any more');
        }
        const { principal } = found;
        record.principal = actorOf(principal);
        const key: RateLimitKey = {
          kind: principal.kind === PrincipalKind.USER ? 'user' : 'api-key',
          id: principal.id,
        };
        // Every request spends at least a point, even one refused later as invalid.
        await rateLimit.spend(key, 1);
        if (found.keyLastUsedAt !== undefined) {
          keyUsage.touch(principal.id, found.keyLastUsedAt);
        }
        const access = new Access(principal, options.unsafeTestLayers?.scopedSql !== false);
        res.locals.context = new RequestContext(
          requestId,
          access,
          tx,
          requestLog.child({ principal: principal.id }),
          record,
          key,
        );
        next();
      } catch (error) {
        if (error instanceof AuthenticationError) {
          res.setHeader('WWW-Authenticate', 'Bearer');
          sendError(res, 401, ErrorCode.UNAUTHENTICATED, error.message);
          return;
        }
        if (error instanceof DomainError && error.code === ErrorCode.RATE_LIMITED) {
          res.setHeader('Retry-After', String(error.extensions.retryAfter));
          sendError(res, 429, ErrorCode.RATE_LIMITED, error.message);
          return;
        }
        requestLog.error({ err: error }, 'could not open the request transaction');
        // Only the database being away is 503; anything else opening the request is a bug,
        // masked like every other (the credential has been validated before it reaches SQL).
        if (databaseError(error)?.code === ErrorCode.SERVICE_UNAVAILABLE) {
          sendError(
            res,
            503,
            ErrorCode.SERVICE_UNAVAILABLE,
            'The service is unavailable; try again shortly',
          );
        } else {
          sendError(res, 500, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
        }
      }
    },
    expressMiddleware(apollo, {
      context: ({ res }) => Promise.resolve((res as Response<unknown, Locals>).locals.context),
    }),
  );

  // Malformed JSON, an oversized body or any other error before GraphQL: a JSON answer with a
  // code and no stack (express's default handler would send its HTML and, outside
  // production, the stack).
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = httpStatusOf(error);
    const code = status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : 'BAD_REQUEST';
    const message =
      status === 413
        ? 'The request body is larger than 1 MiB'
        : status === 400
          ? 'The request body is not valid JSON'
          : status === 500
            ? 'Internal server error'
            : 'The request could not be read';
    if (status === 500)
      log.error({ err: error, path: req.path }, 'unexpected error before GraphQL');
    sendError(res, status, code, message);
  });

  return {
    server,
    apollo,
    schema,
    metrics,
    stop: async () => {
      await apollo.stop();
      await rateLimit.close();
    },
  };
}

/** A JSON error answer outside GraphQL, recorded for the request's log line and metrics. */
function sendError(res: Response, status: number, code: string, message: string): void {
  const record = (res.locals as Partial<RecordLocals>).record;
  record?.codes.push(code);
  const requestId = record?.requestId;
  const withId = SERVER_CODES.has(code) || code === String(ErrorCode.UNAUTHENTICATED);
  res.status(status).json({
    errors: [{ message, extensions: { code, ...(withId && requestId ? { requestId } : {}) } }],
  });
}

/** express's `trust proxy`: true/false, a hop count, or a list of addresses and subnets. */
function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * PostgreSQL text cannot hold U+0000: refuse it in any string of the request (literal or
 * variable) before anything runs, with a clear client error naming the field, instead of a
 * failed query.
 */
function rejectNulCharacters(document: DocumentNode, variables: unknown): void {
  // Fields are named relative to their argument, as validation errors name them.
  const field = nulPath(variables, [])?.slice(1).join('.') ?? nulLiteralField(document);
  if (field !== null) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'Text must not contain the NUL character (U+0000)',
      { field: field || undefined, http: { status: 400 } },
    );
  }
}

/** Per document (Apollo reuses the parsed document of a query it has seen): its NUL literal. */
const nulLiterals = new WeakMap<DocumentNode, string | null>();

/** The input field of the first string literal holding U+0000 in the document, or null. */
function nulLiteralField(document: DocumentNode): string | null {
  const known = nulLiterals.get(document);
  if (known !== undefined) return known;
  let field: string | null = null;
  visit(document, {
    StringValue(node, _key, _parent, _path, ancestors) {
      if (field !== null || !node.value.includes('\u0000')) return;
      const names = ancestors
        .filter(
          (a): a is ObjectFieldNode =>
            !Array.isArray(a) && (a as ASTNode).kind === Kind.OBJECT_FIELD,
        )
        .map((a) => a.name.value);
      field = names.join('.');
    },
  });
  nulLiterals.set(document, field);
  return field;
}

/**
 * The path to the first string holding U+0000 in a JSON value, or null. Walks without
 * recursion: variables nested 100,000 deep must not overflow the stack.
 */
function nulPath(value: unknown, path: string[]): string[] | null {
  // Each entry keeps its parent, so the path is built only for the string that holds U+0000
  // (copying it at every level would cost depth² on deeply nested input).
  type Entry = { value: unknown; key: string | null; parent: Entry | null };
  const pending: Entry[] = [{ value, key: null, parent: null }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    if (typeof entry.value === 'string') {
      if (!entry.value.includes('\u0000')) continue;
      const keys: string[] = [];
      for (let e: Entry | null = entry; e?.key !== null && e; e = e.parent) keys.unshift(e.key);
      return [...path, ...keys];
    }
    if (entry.value && typeof entry.value === 'object') {
      for (const [key, child] of Object.entries(entry.value)) {
        pending.push({ value: child, key, parent: entry });
      }
    }
  }
  return null;
}

function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/**
 * Per GraphQL request: refuses NUL text and over-cost operations and spends the rate limit
 * before anything runs; commits the request's transaction before its response is sent (a
 * mutation with any error rolls back instead and answers `data: null` with its errors); logs unexpected errors with the request id, and
 * stamps the request id onto server-side errors.
 */
function requestPlugin(deps: {
  config: Config;
  rateLimit: RateLimit;
  onRequestEnd: AppOptions['onRequestEnd'];
}): ApolloServerPlugin<RequestContext> {
  const { config, rateLimit, onRequestEnd } = deps;
  return {
    requestDidStart({ request, contextValue }) {
      contextValue.record.operationName = request.operationName ?? null;
      return Promise.resolve({
        async didResolveOperation({ document, request, operationName, schema }) {
          contextValue.record.operationName = operationName ?? null;
          if (!contextValue.principal) refuseAnonymousData(document, operationName ?? undefined);
          rejectNulCharacters(document, request.variables);
          const cost = queryCost(schema, document, operationName ?? undefined, request.variables);
          contextValue.record.cost = cost ?? null;
          if (cost !== undefined && cost > config.queryLimits.cost) throw queryTooComplex('cost');
          // The request already spent one point when it arrived.
          if (cost !== undefined && cost > 1)
            await rateLimit.spend(contextValue.rateLimitKey, cost - 1);
          // Test only: a slow request on demand (config refuses it outside NODE_ENV=test).
          if (config.testRequestDelayMs > 0) await sleep(config.testRequestDelayMs);
        },
        didEncounterErrors({ errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (databaseError(original)) {
              contextValue.log.warn({ err: original, path: error.path }, 'database error');
            } else if (!isClientError(original) && !hasClientCode(error)) {
              contextValue.log.error({ err: original, path: error.path }, 'unexpected error');
            }
          }
          return Promise.resolve();
        },
        async willSendResponse({ response, operation }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const tx = contextValue.transaction;
          const failedWrite =
            operation?.operation === OperationTypeNode.MUTATION && (body?.errors?.length ?? 0) > 0;
          // Nothing of a rolled-back mutation exists: answering its ids or fields would have a
          // client record a write that never happened. Reads keep their partial data.
          if (failedWrite && body) body.data = null;
          if (tx?.isOpen) {
            try {
              if (failedWrite) await tx.rollback();
              else await tx.commit();
            } catch (error) {
              contextValue.log.error({ err: error }, 'could not end the request transaction');
              if (body) {
                body.data = null;
                body.errors = [serverError(databaseError(error))];
              }
            }
          }
          for (const error of body?.errors ?? []) {
            const code = error.extensions?.code;
            if (SERVER_CODES.has(code)) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
            contextValue.record.codes.push(String(code));
          }
          contextValue.record.statements = tx?.statements ?? 0;
          onRequestEnd?.({
            operationName: operation?.name?.value ?? null,
            statements: tx?.statements ?? 0,
          });
        },
      });
    },
  };
}

/** Codes Apollo and graphql-js give to errors the client caused (parse, validation, variables). */
const CLIENT_CODES = new Set<unknown>([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

function isClientError(error: unknown): boolean {
  return (
    error instanceof DomainError ||
    error instanceof ArgumentValidationError ||
    domainErrorOf(error) !== null
  );
}

/**
 * Whether an error is the request's own (parse, validation, variable coercion) with a client
 * code. Apollo keeps graphql-js's error as `originalError` on those, so that cannot tell them
 * from a resolver's; the path can: only an error raised while resolving a field has one, and
 * a resolver error carrying such a code is still unexpected.
 */
function hasClientCode(error: { extensions?: Record<string, unknown>; path?: unknown }): boolean {
  return CLIENT_CODES.has(error.extensions?.code) && error.path === undefined;
}

/** A masked server error, or the client-facing form of a known database error. */
function serverError(known: DomainError | null = null): GraphQLFormattedError {
  return known
    ? { message: known.message, extensions: { code: known.code } }
    : { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * The one place errors are shaped for clients: domain errors and the client errors of
 * GraphQL itself keep their message and code; everything else (a database error, a bug)
 * becomes INTERNAL_SERVER_ERROR with no message, stack or SQL.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
): GraphQLFormattedError {
  const unwrapped = unwrapResolverError(error);
  // A constraint the client's data broke (unique, foreign key, CHECK) is theirs to fix.
  const original = domainErrorOf(unwrapped) ?? unwrapped;
  const domain =
    original instanceof DomainError
      ? original
      : // A query limit reported by a validation rule arrives wrapped in Apollo's ValidationError.
        original instanceof GraphQLError && original.originalError instanceof DomainError
        ? original.originalError
        : null;
  if (domain) {
    const { http: _http, ...extensions } = domain.extensions as Record<string, unknown>;
    return {
      message: domain.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions,
    };
  }
  if (original instanceof ArgumentValidationError) {
    const { field, message } = firstViolation(original.extensions.validationErrors);
    return {
      message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.BAD_USER_INPUT, field },
    };
  }
  if (hasClientCode(error as { extensions?: Record<string, unknown>; path?: unknown })) {
    if (isTokenLimitError(formatted.message)) {
      const tooLong = queryTooComplex('tokens');
      return { message: tooLong.message, extensions: { code: tooLong.code, limit: 'tokens' } };
    }
    const field = variableField(formatted.message);
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: formatted.extensions?.code, ...(field ? { field } : {}) },
    };
  }
  return {
    ...serverError(databaseError(original)),
    path: formatted.path,
    locations: formatted.locations,
  };
}

/**
 * The input field a variable coercion error is about (an unknown enum value, a malformed
 * date, a missing required field), in the dotted form validation errors use, relative to the
 * argument: `Variable "$input" got invalid value … at "input.items[2].type"` → `items.2.type`.
 */
function variableField(message: string): string | undefined {
  if (!message.startsWith('Variable "$')) return undefined;
  const at = /at "([^"]+)"/.exec(message)?.[1];
  const missing = /Field "([^"]+)" of required type/.exec(message)?.[1];
  const path = (at ?? '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .slice(1);
  if (missing) path.push(missing);
  return path.length > 0 ? path.join('.') : undefined;
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
