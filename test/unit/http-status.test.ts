import { ErrorCode, httpStatus } from '../../src/common/errors';

/*
 * One table of HTTP statuses serves the routes beside GraphQL (exports, uploads) and the
 * answers refused before any field ran: a client error must never read as a server fault.
 */
describe('every error code has its HTTP status', () => {
  it.each([
    [ErrorCode.UNAUTHENTICATED, 401],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.BAD_USER_INPUT, 400],
    [ErrorCode.BAD_REQUEST, 400],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.PERIOD_LOCKED, 409],
    [ErrorCode.CURSOR_EXPIRED, 410],
    [ErrorCode.RATE_LIMITED, 429],
    [ErrorCode.QUERY_TOO_COMPLEX, 400],
    [ErrorCode.TIMEOUT, 503],
    [ErrorCode.SERVICE_UNAVAILABLE, 503],
    [ErrorCode.INTERNAL_SERVER_ERROR, 500],
  ])('%s → %i', (code, status) => {
    expect(httpStatus(code)).toBe(status);
  });

  it('only the server’s own faults are 5xx', () => {
    const serverSide = new Set([
      ErrorCode.INTERNAL_SERVER_ERROR,
      ErrorCode.SERVICE_UNAVAILABLE,
      ErrorCode.TIMEOUT,
    ]);
    for (const code of Object.values(ErrorCode)) {
      expect([code, httpStatus(code) >= 500]).toEqual([code, serverSide.has(code)]);
    }
  });
});
