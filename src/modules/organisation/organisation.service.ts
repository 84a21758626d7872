import { DatabaseError } from 'pg';
import { conflict, forbidden } from '../../common/errors';
import type { RequestContext } from '../../context';
import type { SetOrganisationIatiIdentifierInput } from './organisation.inputs';
import type { Organisation } from './organisation.type';

/**
 * Sets an organisation's IATI identifier (platform admins: organisations are global). The
 * database function checks the caller again from the request's own settings and writes with
 * the version in its WHERE clause (migrations/1796167813655-iati-publication.ts).
 */
export async function setOrganisationIatiIdentifier(
  ctx: RequestContext,
  input: SetOrganisationIatiIdentifierInput,
): Promise<Organisation> {
  if (ctx.principal?.platformAdmin !== true) {
    throw forbidden('Only platform administrators change organisations');
  }
  let rows: Organisation[];
  try {
    rows = await ctx.tx.query<Organisation>(
      `SELECT f.id, f.name, f.kind, f.iati_identifier AS "iatiIdentifier", f.version,
         o.source_language AS "sourceLanguage"
         FROM set_organisation_iati_identifier($1, $2, $3) f JOIN organisations o ON o.id = f.id`,
      [input.organisationId, input.iatiIdentifier ?? null, input.expectedVersion],
    );
  } catch (error) {
    if (error instanceof DatabaseError && error.code === '42501') {
      throw forbidden('Only platform administrators change organisations');
    }
    throw error;
  }
  const [row] = rows;
  if (row) return row;
  const [current] = await ctx.tx.query<{ version: number }>(
    `SELECT version FROM organisations WHERE id = $1`,
    [input.organisationId],
  );
  if (!current) throw conflict('No such organisation', { field: 'organisationId' });
  throw conflict('The organisation has changed since you read it', {
    field: 'expectedVersion',
    currentVersion: current.version,
  });
}
