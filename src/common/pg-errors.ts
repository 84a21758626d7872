import { DatabaseError } from 'pg';
import { badUserInput, conflict, type DomainError } from './errors';

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

/** The field a constraint guards: from the table above, or `<table>_<column>_check` names. */
function fieldOf(error: DatabaseError): string {
  const name = error.constraint ?? '';
  const known = CONSTRAINT_FIELDS[name];
  if (known) return known;
  const column = error.column ?? /^[a-z]+_([a-z_]+?)_(?:check|fkey|key)$/.exec(name)?.[1];
  return column ? column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()) : 'input';
}

/**
 * The one place database errors a client caused are turned into domain errors: a unique
 * violation (or losing a race: a deadlock or serialization failure) is CONFLICT, a foreign
 * key, CHECK or bad value is BAD_USER_INPUT with the field.
 * Returns null for anything else (a bug or an outage), which stays masked.
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

/** Runs a write, turning the database errors a client caused into domain errors. */
export async function mapDatabaseErrors<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw domainErrorOf(error) ?? error;
  }
}
