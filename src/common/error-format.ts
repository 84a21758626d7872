import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ArgumentValidationError } from 'type-graphql';
import type { RequestContext } from '../context';
import { isTokenLimitError, queryTooComplex } from '../limits/query-limits';
import { databaseError, domainErrorOf } from './database-errors';
import { DomainError, ErrorCode, SERVER_CODES } from './errors';
import { firstViolation } from './validation';

/** Codes Apollo and graphql-js give to errors the client caused (parse, validation, variables). */
const CLIENT_CODES = new Set<unknown>([
  ErrorCode.GRAPHQL_PARSE_FAILED,
  ErrorCode.GRAPHQL_VALIDATION_FAILED,
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.BAD_REQUEST,
  ErrorCode.OPERATION_RESOLUTION_FAILURE,
  ErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
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
export function serverError(known: DomainError | null = null): GraphQLFormattedError {
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

/** Logs each unexpected error of a GraphQL request with the request id (database errors as warnings). */
export function errorLoggingPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    requestDidStart({ contextValue }) {
      return Promise.resolve({
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
      });
    },
  };
}

/**
 * The last step of an answer: stamps the request id onto server-side errors and records every
 * answered code for the request's log line. Called once the transaction has ended (Apollo
 * runs plugins' `willSendResponse` hooks concurrently, so a second plugin could not be sure
 * to see an error of the commit).
 */
export function recordAnsweredErrors(
  ctx: RequestContext,
  errors: readonly GraphQLFormattedError[] | undefined,
): void {
  for (const error of errors ?? []) {
    const code = error.extensions?.code;
    if (SERVER_CODES.has(code)) {
      (error.extensions as Record<string, unknown>).requestId = ctx.requestId;
    }
    ctx.record.codes.push(String(code));
  }
}
