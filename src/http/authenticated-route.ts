import type { Writable } from 'node:stream';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { databaseError, domainErrorOf } from '../common/database-errors';
import { DomainError, ErrorCode, httpStatus } from '../common/errors';
import type { RequestContext } from '../context';
import type { Metrics } from '../observability/metrics';
import { requestLogging } from '../observability/request-log';
import { sendError } from './http-errors';
import { type ContextLocals, requestContextMiddleware } from './request-context.middleware';

/*
 * Routes outside GraphQL that read or write data (the exports, file uploads) take the very
 * path /graphql takes: the same request log, the same credential check, the same transaction
 * opened with the principal's settings as the application role under row-level security, the
 * same rate limit (src/http/request-context.middleware.ts). Only the answer differs: a file
 * instead of JSON. Permissions are the services' own checks through `ctx.access`, as for the
 * GraphQL fields that serve the same documents.
 */

export type ContextDeps = Parameters<typeof requestContextMiddleware>[0] & {
  metrics: Metrics;
};

/**
 * The middlewares that leave the request's context in `res.locals.context`; `before` (a body
 * parser) runs after the request log and before the credential is checked, as on /graphql.
 */
export function withRequestContext(
  deps: ContextDeps,
  before: RequestHandler[] = [],
): RequestHandler[] {
  return [
    requestLogging(deps.log, deps.metrics) as RequestHandler,
    ...before,
    requestContextMiddleware(deps) as unknown as RequestHandler,
  ];
}

/** What a route handler answers: a whole document, or one it streams. */
export type RouteAnswer =
  | { type: string; body: string | Buffer; filename?: string }
  | { type: string; stream: (out: Writable) => Promise<void>; filename?: string };

/**
 * An authenticated route: runs `handle` with the request's context, commits the transaction
 * (an audit record included) before the answer leaves, and answers errors as /graphql does —
 * domain errors with their code and message, anything else masked with the request id. A
 * streamed answer is written inside the transaction and committed after its last byte; a
 * failure half-way cuts the connection, so a client never takes a truncated file for whole.
 */
export function authenticatedRoute(
  handle: (ctx: RequestContext, req: Request) => Promise<RouteAnswer>,
): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    const ctx = (res as Response<unknown, ContextLocals>).locals.context;
    if (!ctx.transaction) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      sendError(
        res,
        ErrorCode.UNAUTHENTICATED,
        'Authentication required: send Authorization: Bearer <token> or X-Api-Key: <key>',
      );
      return;
    }
    let started = false;
    try {
      const answer = await handle(ctx, req);
      res.setHeader('Content-Type', answer.type);
      res.setHeader('Cache-Control', 'no-store');
      if (answer.filename) {
        res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
      }
      if ('body' in answer) {
        await ctx.tx.commit();
        res.status(200).send(answer.body);
        return;
      }
      started = true;
      res.status(200);
      await answer.stream(res);
      await ctx.tx.commit();
      res.end();
    } catch (error) {
      await ctx.tx.rollback().catch(() => undefined);
      if (started) {
        ctx.log.error({ err: error }, 'a streamed answer failed half-way');
        res.destroy();
        return;
      }
      answerError(res, ctx.log, error);
    }
  };
}

function answerError(res: Response, log: Logger, error: unknown): void {
  const known =
    error instanceof DomainError ? error : (domainErrorOf(error) ?? databaseError(error));
  if (!known || known.code === ErrorCode.INTERNAL_SERVER_ERROR) {
    log.error({ err: error }, 'unexpected error in a route');
    sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
    return;
  }
  const code = known.code;
  const status = httpStatus(code);
  const record = (res.locals as Partial<ContextLocals>).record;
  record?.codes.push(code);
  const { code: _code, http: _http, ...extensions } = known.extensions as Record<string, unknown>;
  res.status(status).json({
    errors: [
      {
        message: known.message,
        extensions: {
          code,
          ...extensions,
          ...(status >= 500 && record ? { requestId: record.requestId } : {}),
        },
      },
    ],
  });
}
