import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ErrorCode, httpStatus, SERVER_CODES } from '../common/errors';
import type { RecordLocals } from '../observability/request-log';

/**
 * A JSON error answer outside GraphQL, recorded for the request's log line and metrics. Its
 * status is the code's (`httpStatus`) unless the body parser already decided one.
 */
export function sendError(
  res: Response,
  code: ErrorCode,
  message: string,
  status = httpStatus(code),
): void {
  const record = (res.locals as Partial<RecordLocals>).record;
  record?.codes.push(code);
  const requestId = record?.requestId;
  const withId = SERVER_CODES.has(code) || code === ErrorCode.UNAUTHENTICATED;
  res.status(status).json({
    errors: [{ message, extensions: { code, ...(withId && requestId ? { requestId } : {}) } }],
  });
}

/**
 * Malformed JSON, an oversized body or any other error before GraphQL: a JSON answer with a
 * code and no stack (express's default handler would send its HTML and, outside production,
 * the stack). The body parser's own 4xx status is kept (413 for a body over the limit).
 */
export function bodyErrorHandler(log: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const parserStatus = (error as { status?: unknown } | null)?.status;
    if (typeof parserStatus !== 'number' || parserStatus < 400 || parserStatus >= 500) {
      log.error({ err: error, path: req.path }, 'unexpected error before GraphQL');
      sendError(res, ErrorCode.INTERNAL_SERVER_ERROR, 'Internal server error');
      return;
    }
    const message =
      parserStatus === 413
        ? 'The request body is larger than 1 MiB'
        : parserStatus === 400
          ? 'The request body is not valid JSON'
          : 'The request could not be read';
    sendError(res, ErrorCode.BAD_REQUEST, message, parserStatus);
  };
}
