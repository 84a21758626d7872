import { DatabaseError } from 'pg';
import { databaseError, domainErrorOf } from '../../src/common/database-errors';

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

describe('a unique violation names the field, also when a Citus shard raised it', () => {
  /** A unique violation as the coordinator passes it on: the shard's name, in the message only. */
  function violation(constraint: string): DatabaseError {
    const error = new DatabaseError(
      `duplicate key value violates unique constraint "${constraint}"`,
      0,
      'error',
    );
    error.code = '23505';
    return error;
  }

  it.each([
    ['projects_tenant_id_code_key', 'code'],
    ['projects_tenant_id_code_key_102018', 'code'],
    ['activities_tenant_id_recorded_by_organisation_i_5e961c33_102050', 'externalId'],
    ['measurements_tenant_id_recorded_by_organisation_i_0badf00d_102082', 'externalId'],
    ['unknown_102018', 'input'],
  ])('%s → %s', (constraint, field) => {
    const mapped = domainErrorOf(violation(constraint));
    expect(mapped?.code).toBe('CONFLICT');
    expect(mapped?.extensions).toMatchObject({ field });
  });
});
