import { createServer, type Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import express from 'express';
import { type GraphQLSchema, specifiedDirectives } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import type { Logger } from 'pino';
import { buildSchema } from 'type-graphql';
import type { DataSource } from 'typeorm';
import { ApiKeyUsage } from './auth/api-key-usage';
import { Authenticator } from './auth/authenticate';
import { errorLoggingPlugin, formatError } from './common/error-format';
import { validateArguments } from './common/validation';
import { executionOf } from './common/jit-executor';
import type { Config } from './config';
import type { RequestContext } from './context';
import { poolOf } from './db/data-source';
import { type RequestEndListener, transactionPlugin } from './db/transaction.plugin';
import { schemaRouter } from './explorer/schema.routes';
import { bodyErrorHandler } from './http/http-errors';
import { graphqlHandler } from './http/graphql-handler';
import { defaultBody, requestContextMiddleware } from './http/request-context.middleware';
import { mountRoutes, trustProxyValue } from './http/routes';
import { enforceListMaximums, queryLimitRules } from './limits/query-limits';
import { RateLimit } from './limits/rate-limit';
import { requestLimitsPlugin } from './limits/request-limits.plugin';
import { ActivityResolver } from './modules/activity/activity.resolver';
import { ApiKeyResolver } from './modules/api-key/api-key.resolver';
import {
  ActivityHistoryResolver,
  ApprovalResolver,
  MeasurementHistoryResolver,
} from './modules/approval/approval.resolver';
import { AuditResolver } from './modules/audit/audit.resolver';
import { ChangesResolver } from './modules/changes/changes.resolver';
import { configureChangesFeed } from './modules/changes/changes.service';
import { CommunityResolver } from './modules/community/community.resolver';
import { IatiResolver } from './modules/iati/iati.resolver';
import { SpreadsheetResolver } from './modules/spreadsheet/spreadsheet.resolver';
import { iatiRouter } from './modules/iati/iati.routes';
import { ImportResolver } from './modules/import/import.resolver';
import { IndicatorResolver } from './modules/indicator/indicator.resolver';
import { MembershipResolver, MeResolver } from './modules/me/me.resolver';
import { MeasurementResolver } from './modules/measurement/measurement.resolver';
import { TenantMembershipResolver } from './modules/membership/membership.resolver';
import { OrganisationResolver } from './modules/organisation/organisation.resolver';
import { OutcomeResolver } from './modules/outcome/outcome.resolver';
import { ProjectResolver } from './modules/project/project.resolver';
import { sdmxRouter } from './modules/sdmx/sdmx.routes';
import { spreadsheetRouter } from './modules/spreadsheet/spreadsheet.routes';
import { SharingAgreementResolver } from './modules/sharing-agreement/sharing-agreement.resolver';
import { TenantResolver } from './modules/tenant/tenant.resolver';
import { WebhookResolver } from './modules/webhook/webhook.resolver';
import { configureWebhooks } from './modules/webhook/webhook.settings';
import { WebhookWorker } from './modules/webhook/webhook.worker';
import {
  LOCALE_DIRECTIVE,
  localePlugin,
  varyByLanguage,
} from './modules/translation/translation.locale';
import { configureLanguages } from './modules/translation/translation.languages';
import { TranslationResolver } from './modules/translation/translation.resolver';
import { Metrics } from './observability/metrics';
import { requestLogging } from './observability/request-log';
import { applyPermissions } from './permissions/permissions';

/*
 * The assembly of the server, in the order a request meets it (docs/architecture.md): the
 * routes beside GraphQL, then /graphql's logging, body parser, request context (credential,
 * transaction, rate limit), Apollo with its limits, the permission layer and the resolvers,
 * and last the transaction's end and the error formatter.
 */

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
  OrganisationResolver,
  IatiResolver,
  SpreadsheetResolver,
  ChangesResolver,
  WebhookResolver,
  ApprovalResolver,
  ActivityHistoryResolver,
  MeasurementHistoryResolver,
  TranslationResolver,
] as const;

/** The schema as type-graphql builds it, before the permission layer. */
export function buildBareSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validateFn: validateArguments,
    directives: [...specifiedDirectives, LOCALE_DIRECTIVE],
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
  onRequestEnd?: RequestEndListener;
}>;

export type App = Readonly<{
  server: Server;
  apollo: ApolloServer<RequestContext>;
  schema: GraphQLSchema;
  metrics: Metrics;
  /** Drains in-flight requests (up to SHUTDOWN_GRACE_MS), then closes the rate limit's Redis. */
  stop: () => Promise<void>;
}>;

/** How long start-up waits for the rate limit's Redis before serving on memory budgets. */
const REDIS_READY_TIMEOUT_MS = 2000;

/**
 * Builds the HTTP server: GraphQL at /graphql behind limits, authentication, the rate limit
 * and the permission layer, plus /healthz, /readyz, /metrics and (when enabled) the explorer.
 * Used by main.ts and the tests.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, dataSource, log } = options;
  const pool = poolOf(dataSource);
  configureChangesFeed({ retentionDays: config.changes.retentionDays });
  configureWebhooks(config.webhooks);
  configureLanguages(config.extraLanguages);
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
    ...executionOf(schema),
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
      requestLimitsPlugin({ config, rateLimit }),
      errorLoggingPlugin(),
      localePlugin(),
      transactionPlugin(options.onRequestEnd),
    ],
  });
  await apollo.start();

  // Webhook delivery runs in the API process unless WEBHOOK_WORKER=off (then `npm run worker`).
  const worker = config.webhooks.inProcess
    ? new WebhookWorker(pool, config.webhooks, config.changes.retentionDays, log, metrics.registry)
    : null;
  worker?.start();

  mountRoutes(app, { config, dataSource, metrics });
  app.use(schemaRouter({ schema: bare, authenticator, pool, log }));
  const contextDeps = {
    config,
    pool,
    log,
    authenticator,
    rateLimit,
    keyUsage,
    scopedSql: options.unsafeTestLayers?.scopedSql !== false,
  };
  // Files beside GraphQL (exports, uploads), through the same request context.
  app.use(iatiRouter({ ...contextDeps, metrics }));
  app.use(sdmxRouter({ ...contextDeps, metrics }));
  app.use(spreadsheetRouter({ ...contextDeps, metrics }));
  app.use(
    '/graphql',
    requestLogging(log, metrics),
    varyByLanguage,
    express.json({ limit: '1mb' }),
    defaultBody,
    requestContextMiddleware(contextDeps),
    graphqlHandler(apollo),
  );
  app.use(bodyErrorHandler(log));

  return {
    server,
    apollo,
    schema,
    metrics,
    stop: async () => {
      await worker?.stop();
      await apollo.stop();
      await rateLimit.close();
    },
  };
}
