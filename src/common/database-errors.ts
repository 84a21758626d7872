import { DatabaseError } from 'pg';
import { badUserInput, conflict, DomainError, ErrorCode } from './errors';

/*
 * The one place database errors become client errors: those a client caused (a unique, foreign
 * key or CHECK violation, a malformed value, a lost race) keep the field to fix; timeouts and
 * outages get their own codes; anything else stays masked. The messages are ours: PostgreSQL's
 * name constraints, tables and values, which must never reach a client.
 */

/**
 * Constraint names of the migration mapped to the input field a client should fix. A
 * violation of a constraint not listed still becomes BAD_USER_INPUT or CONFLICT, naming
 * `input`: never a 500 for something the client sent.
 */
const CONSTRAINT_FIELDS: Readonly<Record<string, string>> = {
  projects_tenant_id_code_key: 'code',
  projects_check: 'endDate',
  activities_check: 'endDate',
  activities_tenant_id_project_id_fkey: 'projectId',
  activities_tenant_id_community_id_fkey: 'communityId',
  activities_facilitator_organisation_id_fkey: 'facilitatorOrganisationId',
  activities_tenant_id_recorded_by_organisation_id_external_i_key: 'externalId',
  measurements_tenant_id_recorded_by_organisation_id_external_key: 'externalId',
  measurements_tenant_id_project_id_fkey: 'projectId',
  measurements_tenant_id_community_id_fkey: 'communityId',
  measurements_indicator_id_fkey: 'indicatorId',
  indicators_code_uq: 'code',
  project_organisations_organisation_id_fkey: 'organisationIds',
  project_communities_tenant_id_community_id_fkey: 'communityIds',
  project_communities_tenant_id_project_id_fkey: 'projectIds',
};

/**
 * The constraint's name as the migration gave it. On Citus the error comes from a shard: its
 * constraint carries the shard's id (`…_key_102018`), a name too long for that is cut and given
 * a hash (`…_organisation_i_5e961c33_102050`), and the coordinator passes on only the message.
 */
function constraintOf(error: DatabaseError): string {
  const raw = error.constraint ?? /constraint "([^"]+)"/.exec(error.message)?.[1] ?? '';
  const name = raw.replace(/_\d{6,}$/, '');
  const cut = /^(.+)_[0-9a-f]{8}$/.exec(name)?.[1];
  if (name === raw || CONSTRAINT_FIELDS[name] || cut === undefined) return name;
  return Object.keys(CONSTRAINT_FIELDS).find((known) => known.startsWith(cut)) ?? name;
}

/** The field a constraint guards: from the table above, or `<table>_<column>_check` names. */
function fieldOf(error: DatabaseError): string {
  const name = constraintOf(error);
  const known = CONSTRAINT_FIELDS[name];
  if (known) return known;
  const column = error.column ?? /^[a-z]+_([a-z_]+?)_(?:check|fkey|key)$/.exec(name)?.[1];
  return column ? column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : 'input';
}

/**
 * A database error the client caused, as a domain error: a unique violation (or losing a race:
 * a deadlock or serialization failure) is CONFLICT, a foreign key, CHECK or bad value is
 * BAD_USER_INPUT with the field. Null for anything else (see `databaseError`).
 */
export function domainErrorOf(error: unknown): DomainError | null {
  if (!(error instanceof DatabaseError)) return null;
  switch (error.code) {
    case '23505':
      return conflict('A row with the same unique values already exists', {
        field: fieldOf(error),
      });
    case '23503':
      return error.table && error.detail?.includes('is still referenced')
        ? conflict('The row is still referenced by other rows', { field: fieldOf(error) })
        : badUserInput(fieldOf(error), 'refers to a row that does not exist in this tenant');
    case '40001':
    case '40P01':
      // Serialization failure or deadlock with a concurrent write: nothing was written.
      return conflict('A concurrent write got in the way; nothing was written, retry', {
        field: 'input',
      });
    case 'DGL01':
      // The period guard's own message (migrations/*approval-and-locks*): why, and until when.
      return new DomainError(ErrorCode.PERIOD_LOCKED, error.message, { field: 'period' });
    case '23514':
    case '23502':
      return badUserInput(fieldOf(error), 'violates a rule of the data');
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
      return badUserInput('input', 'a value is out of range or malformed');
    default:
      return null;
  }
}

/** Errors the server met rather than the client caused, by SQLSTATE (and two without a field). */
const BY_SQLSTATE: Record<string, [ErrorCode, string]> = {
  '23505': [ErrorCode.CONFLICT, 'A record with the same identifying values already exists'],
  '23503': [ErrorCode.BAD_USER_INPUT, 'The input refers to a record that does not exist'],
  '57014': [ErrorCode.TIMEOUT, 'The request took too long and was stopped; it changed nothing'],
  '25P03': [ErrorCode.TIMEOUT, 'The request took too long and was stopped; it changed nothing'],
};

const UNAVAILABLE = 'The database is unavailable; try again shortly';

/** Connection-level failures: the server is down, restarting, or refusing connections. */
function isConnectionFailure(error: { code?: unknown; message?: unknown }): boolean {
  const code = typeof error.code === 'string' ? error.code : '';
  const message = typeof error.message === 'string' ? error.message : '';
  return (
    code.startsWith('08') || // connection exception
    ['57P01', '57P02', '57P03', '53300'].includes(code) || // shutdown, crash, starting, too many
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(
      message,
    )
  );
}

/**
 * A client-facing error for a known database failure (a timeout, the database away), or null
 * for anything else, which stays masked.
 */
export function databaseError(error: unknown): DomainError | null {
  if (!error || typeof error !== 'object') return null;
  const failure = error as { code?: unknown; message?: unknown };
  const known = typeof failure.code === 'string' ? BY_SQLSTATE[failure.code] : undefined;
  if (known) return new DomainError(known[0], known[1]);
  if (isConnectionFailure(failure))
    return new DomainError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE);
  return null;
}
