import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  type ASTNode,
  type DocumentNode,
  Kind,
  type ObjectFieldNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
  OperationTypeNode,
  visit,
} from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { DateTimeResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import { ArgumentValidationError, buildSchema } from 'type-graphql';
import type { DataSource } from 'typeorm';
import { Access } from './auth/access';
import { ApiKeyUsage } from './auth/api-key-usage';
import {
  AuthenticationError,
  Authenticator,
  principalFromRows,
  principalPreamble,
} from './auth/authenticate';
import { DomainError, ErrorCode } from './common/errors';
import { domainErrorOf } from './common/pg-errors';
import { firstViolation } from './common/validation';
import type { Config } from './config';
import { RequestContext } from './context';
import { RequestTransaction } from './db/request-transaction';
import { AuditResolver } from './modules/audit/audit.resolver';
import { ImportResolver } from './modules/import/import.resolver';
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
import { permissions } from './permissions/permissions';
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
    validate: { forbidUnknownValues: false },
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
}>;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/** Locals the authentication middleware leaves for Apollo's context function. */
type Locals = { context: RequestContext };

/**
 * Builds the HTTP server: GraphQL at /graphql behind authentication and the permission
 * layer, plus /healthz and /readyz. Used by main.ts and by the tests.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, dataSource, log } = options;
  const pool = poolOf(dataSource);
  const bare = await buildBareSchema();
  const schema =
    options.unsafeTestLayers?.shield === false ? bare : applyMiddleware(bare, permissions);
  const authenticator = new Authenticator(config.jwt);
  const keyUsage = new ApiKeyUsage(pool, log);
  const app = express();
  app.disable('x-powered-by');
  const server = createServer(app);

  const apollo = new ApolloServer<RequestContext>({
    schema,
    introspection: config.allowIntrospection,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.isProduction,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server }),
      ApolloServerPluginLandingPageDisabled(),
      transactionPlugin(options.onRequestEnd),
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
  app.get('/', (_req, res) => {
    res.type('text/plain').send(landingText(config));
  });

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    async (req: Request, res: Response<unknown, Locals>, next: NextFunction) => {
      const requestId =
        typeof req.headers['x-request-id'] === 'string' &&
        REQUEST_ID.test(req.headers['x-request-id'])
          ? req.headers['x-request-id']
          : randomUUID();
      res.setHeader('x-request-id', requestId);
      const requestLog = log.child({ requestId });
      try {
        const credential = await authenticator.credentialOf(req.headers);
        if (credential.kind === 'anonymous') {
          res.locals.context = new RequestContext(requestId, new Access(null), null, requestLog);
          return next();
        }
        const [tx, results] = await RequestTransaction.open(pool, principalPreamble(credential));
        const found = principalFromRows(credential, results[0]?.rows ?? []);
        if (!found) {
          await tx.rollback();
          throw new AuthenticationError('The credential is not valid, or grants nothing any more');
        }
        if (found.keyLastUsedAt !== undefined) {
          keyUsage.touch(found.principal.id, found.keyLastUsedAt);
        }
        // Whatever happens to the request, its transaction never outlives it.
        res.on('close', () => void tx.rollback().catch(() => undefined));
        const access = new Access(found.principal, options.unsafeTestLayers?.scopedSql !== false);
        res.locals.context = new RequestContext(
          requestId,
          access,
          tx,
          requestLog.child({ principal: found.principal.id }),
        );
        next();
      } catch (error) {
        if (error instanceof AuthenticationError) {
          res.setHeader('WWW-Authenticate', 'Bearer');
          res.status(401).json({
            errors: [
              {
                message: error.message,
                extensions: { code: ErrorCode.UNAUTHENTICATED, requestId },
              },
            ],
          });
          return;
        }
        requestLog.error({ err: error }, 'could not open the request transaction');
        res.status(503).json({
          errors: [
            {
              message: 'The service is unavailable; try again shortly',
              extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, requestId },
            },
          ],
        });
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
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  });

  return { server, apollo, schema };
}

/**
 * PostgreSQL text cannot hold U+0000: refuse it in any string of the request (literal or
 * variable) before anything runs, with a clear client error naming the field, instead of a
 * failed query.
 */
function rejectNulCharacters(document: DocumentNode, variables: unknown): void {
  // Fields are named relative to their argument, as validation errors name them.
  let field = nulPath(variables, [])?.slice(1).join('.') ?? null;
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
  if (field !== null) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      'Text must not contain the NUL character (U+0000)',
      { field: field || undefined, http: { status: 400 } },
    );
  }
}

/** The path to the first string holding U+0000 in a JSON value, or null. */
function nulPath(value: unknown, path: string[]): string[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const found = nulPath(child, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

function httpStatusOf(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

/**
 * Commits each request's transaction before its response is sent (a mutation with any
 * error rolls back instead), logs unexpected errors with the request id, and stamps the
 * request id onto masked errors.
 */
function transactionPlugin(
  onRequestEnd: AppOptions['onRequestEnd'],
): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ document, request }) {
          rejectNulCharacters(document, request.variables);
          return Promise.resolve();
        },
        didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (!isClientError(original) && !hasClientCode(error)) {
              contextValue.log.error({ err: original, path: error.path }, 'unexpected error');
            }
          }
          return Promise.resolve();
        },
        async willSendResponse({ contextValue, response, operation }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
          for (const error of body?.errors ?? []) {
            if (error.extensions?.code === String(ErrorCode.INTERNAL_SERVER_ERROR)) {
              (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
            }
          }
          const tx = contextValue.transaction;
          if (tx?.isOpen) {
            const failedWrite =
              operation?.operation === OperationTypeNode.MUTATION &&
              (body?.errors?.length ?? 0) > 0;
            try {
              if (failedWrite) await tx.rollback();
              else await tx.commit();
            } catch (error) {
              contextValue.log.error({ err: error }, 'could not end the request transaction');
              if (body) {
                body.data = null;
                body.errors = [internalError(contextValue.requestId)];
              }
            }
          }
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

function internalError(requestId?: string): GraphQLFormattedError {
  return {
    message: 'Internal server error',
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(requestId ? { requestId } : {}) },
  };
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
  if (original instanceof DomainError) {
    const { http: _http, ...extensions } = original.extensions as Record<string, unknown>;
    return {
      message: original.message,
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
    const field = variableField(formatted.message);
    return {
      message: formatted.message,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: formatted.extensions?.code, ...(field ? { field } : {}) },
    };
  }
  return { ...internalError(), path: formatted.path, locations: formatted.locations };
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

/** Ready when the database answers and every migration has been applied. */
async function readiness(
  dataSource: DataSource,
): Promise<{ ok: boolean; database: string; migrations: string }> {
  try {
    const pending = await dataSource.showMigrations();
    return { ok: !pending, database: 'up', migrations: pending ? 'pending' : 'current' };
  } catch {
    return { ok: false, database: 'down', migrations: 'unknown' };
  }
}

function landingText(config: Config): string {
  return [
    'Dignity Graph — GraphQL API for the monitoring data of the Living with Dignity programme.',
    '',
    `Environment: ${config.env}`,
    'GraphQL endpoint: POST /graphql (Authorization: Bearer <token> or X-Api-Key: <key>)',
    config.isProduction
      ? ''
      : 'Get a development token: npm run token -- --user tj-admin@demo.dignity-graph.org',
  ].join('\n');
}
