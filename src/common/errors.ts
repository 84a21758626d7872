import { GraphQLError } from 'graphql';

/** Every `extensions.code` a client can see (DESIGN §4). */
export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  NOT_FOUND = 'NOT_FOUND',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  CONFLICT = 'CONFLICT',
  /** The row's reporting period is approved or closed for input (see the approval module). */
  PERIOD_LOCKED = 'PERIOD_LOCKED',
  RATE_LIMITED = 'RATE_LIMITED',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** The request ran past its statement timeout or its deadline; it changed nothing. */
  TIMEOUT = 'TIMEOUT',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A changes-feed cursor older than the feed's retention: resync without `since`. */
  CURSOR_EXPIRED = 'CURSOR_EXPIRED',
  /** The HTTP request itself could not be read (malformed JSON, a body over 1 MiB). */
  BAD_REQUEST = 'BAD_REQUEST',
  // Apollo's and graphql-js's own codes for a request that is not a valid operation.
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
}

/**
 * The one table of HTTP statuses, one for every code (the compiler refuses a code without
 * one): the status of an answer refused before any field ran (by the HTTP layer or a request
 * plugin), and of every error of the routes beside GraphQL (exports, uploads), which answer
 * with the JSON error body and this status. Raised by a GraphQL field, only the codes of
 * STATUS_EVERYWHERE keep it; the others answer 200 beside the data.
 */
const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.PERIOD_LOCKED]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.TIMEOUT]: 503,
  [ErrorCode.INTERNAL_SERVER_ERROR]: 500,
  [ErrorCode.CURSOR_EXPIRED]: 410,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.GRAPHQL_PARSE_FAILED]: 400,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [ErrorCode.OPERATION_RESOLUTION_FAILURE]: 400,
  [ErrorCode.PERSISTED_QUERY_NOT_FOUND]: 400,
  [ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED]: 400,
};

/**
 * Codes whose status holds wherever they are raised, a field's resolver included; the others
 * raised by a field answer 200 with the errors beside the data, as GraphQL over HTTP does.
 */
const STATUS_EVERYWHERE = new Set<ErrorCode>([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.QUERY_TOO_COMPLEX,
  ErrorCode.RATE_LIMITED,
  ErrorCode.SERVICE_UNAVAILABLE,
]);

/** Codes of errors the server (not the client) caused: their answers carry the request id. */
export const SERVER_CODES: ReadonlySet<unknown> = new Set<unknown>([
  ErrorCode.INTERNAL_SERVER_ERROR,
  ErrorCode.SERVICE_UNAVAILABLE,
  ErrorCode.TIMEOUT,
]);

/** The HTTP status of an answer refused with an error of this code (before any field ran). */
export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/**
 * An error the client caused or may act on. Domain errors pass through the permission
 * layer and the error formatter unchanged; every other error is masked.
 */
export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extensions: Record<string, unknown> = {},
  ) {
    super(message, {
      extensions: {
        code,
        ...(STATUS_EVERYWHERE.has(code) ? { http: { status: httpStatus(code) } } : {}),
        ...extensions,
      },
    });
    this.name = 'DomainError';
  }
}

export const badUserInput = (field: string, message: string): DomainError =>
  new DomainError(ErrorCode.BAD_USER_INPUT, message, { field });

export const notFound = (entity: string): DomainError =>
  new DomainError(ErrorCode.NOT_FOUND, `${entity} not found`);

export const forbidden = (message = 'You are not allowed to do this'): DomainError =>
  new DomainError(ErrorCode.FORBIDDEN, message);

export const conflict = (message: string, extensions: Record<string, unknown> = {}): DomainError =>
  new DomainError(ErrorCode.CONFLICT, message, extensions);
