import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Metrics } from './metrics';

/**
 * What one request did, filled in as it goes (authentication, the GraphQL plugin, error
 * answers) and written out once when it ends: as one log line and as metrics.
 */
export type RequestRecord = {
  requestId: string;
  operationName: string | null;
  /** `user:<id>`, `apikey:<id>` or null: never a token, key or variable value. */
  principal: string | null;
  /** Error codes returned to the client. */
  codes: string[];
  statements: number;
  cost: number | null;
};

export type RecordLocals = { record: RequestRecord };

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

/**
 * Gives each request its id (a well-formed `x-request-id` from the client, or a new one) and,
 * when it ends, writes one structured line and its metrics.
 */
export function requestLogging(log: Logger, metrics: Metrics) {
  return (req: Request, res: Response<unknown, RecordLocals>, next: NextFunction): void => {
    const header = req.headers['x-request-id'];
    const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader('x-request-id', requestId);
    const record: RequestRecord = {
      requestId,
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
