import { databaseError } from '../../src/common/database-errors';

describe('database errors map to client codes in one place', () => {
  it.each([
    ['23505', 'CONFLICT'],
    ['23503', 'BAD_USER_INPUT'],
    ['57014', 'TIMEOUT'],
    ['57P01', 'SERVICE_UNAVAILABLE'],
    ['08006', 'SERVICE_UNAVAILABLE'],
    ['ECONNREFUSED', 'SERVICE_UNAVAILABLE'],
  ])('%s → %s, with a message of ours (no constraint, table or value)', (code, expected) => {
    const error = Object.assign(
      new Error(
        'duplicate key value violates unique constraint "activities_tenant_id_external_id_key"',
      ),
      { code, constraint: 'activities_tenant_id_external_id_key', detail: 'Key (x)=(secret)' },
    );
    const mapped = databaseError(error);
    expect(mapped?.code).toBe(expected);
    expect(mapped?.message).not.toMatch(/constraint|activities|secret|Key \(/);
  });

  it('knows a dropped connection by its message', () => {
    expect(databaseError(new Error('Connection terminated unexpectedly'))?.code).toBe(
      'SERVICE_UNAVAILABLE',
    );
  });

  it('leaves anything else to be masked', () => {
    expect(
      databaseError(Object.assign(new Error('permission denied'), { code: '42501' })),
    ).toBeNull();
    expect(databaseError(new TypeError('x is undefined'))).toBeNull();
    expect(databaseError(null)).toBeNull();
  });
});
