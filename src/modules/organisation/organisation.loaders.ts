import type DataLoader from 'dataloader';
import { byIdLoader } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { Organisation } from './organisation.type';

/** Organisations by id: a global table of public names, so no tenant filter applies. */
export const organisationById = (ctx: RequestContext): DataLoader<string, Organisation | null> =>
  ctx.loader('organisation.byId', () =>
    byIdLoader((ids) =>
      ctx.tx.query<Organisation>(
        `SELECT id, name, kind, iati_identifier AS "iatiIdentifier", version, source_language AS "sourceLanguage" FROM organisations WHERE id = ANY ($1::uuid[])`,
        [ids],
      ),
    ),
  );
