import type { NextFunction, Request, Response } from 'express';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { Access } from '../auth/access';
import type { ApiKeyUsage } from '../auth/api-key-usage';
import {
  AuthenticationError,
  type AgreementInForce,
  type Authenticator,
  principalFromRows,
} from '../auth/authenticate';
import { openPrincipalTransaction } from '../auth/principal-transaction';
import { actorOf, PrincipalKind } from '../auth/principal';
import { databaseError } from '../common/database-errors';
import { DomainError, ErrorCode } from '../common/errors';
import type { Config } from '../config';
import { RequestContext } from '../context';
import type { RateLimit, RateLimitKey } from '../limits/rate-limit';
import type { RecordLocals } from '../observability/request-log';
import { sendError } from './http-errors';

/** Locals the middlewares leave for Apollo's context function. */
export type ContextLocals = RecordLocals & { context: RequestContext };

/** The request's context, left by `requestContextMiddleware`, for Apollo's context function. */
export const contextOf = (res: unknown): Promise<RequestContext> =>
  Promise.resolve((res as Response<unknown, ContextLocals>).locals.context);

/**
 * Express 5 leaves `body` unset for GET and for other content types, and Apollo's express
 * integration answers that with a 500; with an empty body Apollo itself answers (CSRF
 * prevention for text/plain and other simple requests, 400 for a missing query).
 */
export function defaultBody(req: Request, _res: Response, next: NextFunction): void {
  req.body ??= {};
  next();
}

/**
 * Before GraphQL: reads the credential, opens the request's transaction with the principal's
 * settings (which also loads the principal), spends a point of the rate limit and leaves the
 * request's context in `res.locals`. A refused credential, the rate limit or the database
 * being away answer here, before Apollo.
 */
export function requestContextMiddleware(deps: {
  config: Config;
  pool: Pool;
  log: Logger;
  authenticator: Authenticator;
  rateLimit: RateLimit;
  keyUsage: ApiKeyUsage;
  /** False only in tests that prove the database's own guards. */
  scopedSql: boolean;
  /** How long the request's database work may take; REQUEST_TIMEOUT_MS unless a route says. */
  timeoutMs?: number;
  /**
   * Whether the route may commit its work in steps (`RequestContext.commitStep`): the upload
   * of a large file, one batch at a time. Never /graphql, whose mutations commit whole.
   */
  commitsInSteps?: boolean;
}) {
  const { config, pool, log, authenticator, rateLimit, keyUsage, scopedSql } = deps;
  return async (req: Request, res: Response<unknown, ContextLocals>, next: NextFunction) => {
    const record = res.locals.record;
    const { requestId } = record;
    // Child loggers are made when something logs, not on every request: pino serialises a
    // child's bindings when it is made, work most requests would do for nothing.
    let requestLog: Logger | undefined;
    const logOf = () => (requestLog ??= log.child({ requestId }));
    try {
      const credential = await authenticator.credentialOf(req.headers);
      if (credential.kind === 'anonymous') {
        const key: RateLimitKey = { kind: 'ip', id: req.ip ?? 'unknown' };
        await rateLimit.spend(key, 1);
        res.locals.context = new RequestContext(
          requestId,
          new Access(null),
          null,
          logOf,
          record,
          key,
        );
        return next();
      }
      const [tx, found, results] = await openPrincipalTransaction(
        pool,
        credential,
        record,
        Date.now() + (deps.timeoutMs ?? config.requestTimeoutMs),
      );
      // Whatever happens to the request, its transaction never outlives it.
      res.on('close', () => void tx.rollback().catch(() => undefined));
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
      // Each step reads the principal again: a membership or key revoked half-way through a
      // long upload stops it at its next step (the steps before it stay committed).
      const renewal = deps.commitsInSteps
        ? async (command: 'COMMIT' | 'ROLLBACK') => {
            const renewed = await tx.renew(command);
            if (!principalFromRows(credential, renewed[0]?.rows ?? [])) {
              await tx.rollback();
              throw new DomainError(
                ErrorCode.FORBIDDEN,
                'Your credential no longer grants this; the work was stopped after its last committed step',
              );
            }
          }
        : null;
      res.locals.context = new RequestContext(
        requestId,
        new Access(principal, scopedSql),
        tx,
        () => log.child({ requestId, principal: principal.id }),
        record,
        key,
        // The preamble's third statement (see principalPreamble).
        (results[2]?.rows as AgreementInForce[] | undefined) ?? null,
        renewal,
      );
      next();
    } catch (error) {
      if (error instanceof AuthenticationError) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        sendError(res, ErrorCode.UNAUTHENTICATED, error.message);
        return;
      }
      if (error instanceof DomainError && error.code === ErrorCode.RATE_LIMITED) {
        res.setHeader('Retry-After', String(error.extensions.retryAfter));
        sendError(res, ErrorCode.RATE_LIMITED, error.message);
        return;
      }
      logOf().error({ err: error }, 'could not open the request transaction');
      // Only the database being away is 503; anything else opening the request is a bug,
      // masked like every other (the credential has been validated before it reaches SQL).
      if (databaseError(error)?.code === ErrorCode.SERVICE_UNAVAILABLE) {
        sendError(
          res,
          ErrorCode.SERVICE_UNAVAILABLE,
          'The service is unavailable; try again shortly',
        );
      } else {
        sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      }
    }
  };
}
