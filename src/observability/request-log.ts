import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

/**
 * What one request did, filled in as it goes (authentication, the GraphQL plugin, error
 * answers) and written out once when it ends: as one log line and as metrics.
 */
export type RequestRecord = {
  /** The server's own id of the request: what the audit log and the response header carry. */
  requestId: string;
  /** The client's X-Request-Id, when well-formed: logged and audited beside ours, never as it. */
  clientRequestId: string | null;
  operationName: string | null;
  /** `user:<id>`, `api-key:<id>` or null: never a token, key or variable value. */
  principal: string | null;
  /** Error codes returned to the client. */
  codes: string[];
  statements: number;
  cost: number | null;
};

export type RecordLocals = { record: RequestRecord };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Gives each request its id (always a new one: a client must not choose what the audit log
 * records; its well-formed `x-request-id` is kept apart) and, when it ends, writes one
 * structured line and its metrics.
 */
export function requestLogging(log: Logger, metrics: Metrics) {
  return (req: Request, res: Response<unknown, RecordLocals>, next: NextFunction): void => {
    const header = req.headers['x-request-id'];
    const clientRequestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : null;
    const requestId = randomUUID();
    res.setHeader('x-request-id', requestId);
    const record: RequestRecord = {
      requestId,
      clientRequestId,
      operationName: null,
      principal: null,
      codes: [],
      statements: 0,
      cost: null,
    };
    res.locals.record = record;
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A response closed before it finished was abandoned by the client (or cut by shutdown).
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.request({ ...record, status, seconds });
      log.info(
        {
          requestId,
          ...(clientRequestId ? { clientRequestId } : {}),
          operationName: record.operationName,
          principal: record.principal,
          status,
          durationMs: Math.round(seconds * 1000),
          statements: record.statements,
          cost: record.cost,
          ...(record.codes.length ? { errors: record.codes } : {}),
        },
        'graphql request',
      );
    });
    next();
  };
}
