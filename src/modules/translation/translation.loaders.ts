import DataLoader from 'dataloader';
import type { RequestContext } from '../../context';
import type { TranslatableKind, TranslatableRow } from './translation.kinds';
import { requestLanguage } from './translation.locale';
import { type TenantLanguages, tenantLanguages } from './translation.languages';

/** A row's stored translations: field → language → text. */
export type StoredTexts = ReadonlyMap<string, ReadonlyMap<string, string>>;

const NONE: StoredTexts = new Map();

type Found = {
  tenantId: string | null;
  id: string;
  field: string;
  language: string;
  value: string;
};

const keyOf = (row: TranslatableRow): string => `${row.tenantId ?? ''}:${row.id}`;

/**
 * The translations of rows of one kind, in the languages this request may answer in and the
 * row's tenant offers (`tenants.enabled_languages`): one statement per kind and batch, for
 * any number of rows (a page of 100 communities costs one more round trip, not 100).
 */
export function storedTexts(
  ctx: RequestContext,
  kind: TranslatableKind,
): DataLoader<TranslatableRow, StoredTexts, string> {
  return ctx.loader(`translations:${kind.entity}`, () => {
    return new DataLoader<TranslatableRow, StoredTexts, string>(
      async (rows) => {
        const languages = [...requestLanguage(ctx).order];
        const tenantRows = rows.filter((r) => !kind.global && r.tenantId);
        const globalRows = rows.filter((r) => kind.global || !r.tenantId);
        const found: Found[] = [];
        if (tenantRows.length > 0) {
          found.push(
            ...(await ctx.tx.query<Found>(
              `SELECT t.tenant_id AS "tenantId", t.entity_id AS id, t.field, t.language, t.value
               FROM translations t
               JOIN unnest($1::uuid[], $2::uuid[]) AS k (tenant_id, id)
                 ON t.tenant_id = k.tenant_id AND t.entity_id = k.id
               JOIN tenants tn ON tn.id = t.tenant_id
               WHERE t.entity_type = $3 AND t.language = ANY ($4::text[])
                 AND t.language = ANY (tn.enabled_languages)`,
              [
                tenantRows.map((r) => r.tenantId),
                tenantRows.map((r) => r.id),
                kind.entity,
                languages,
              ],
            )),
          );
        }
        if (globalRows.length > 0) {
          found.push(
            ...(await ctx.tx.query<Found>(
              `SELECT NULL AS "tenantId", g.entity_id AS id, g.field, g.language, g.value
               FROM global_translations g
               WHERE g.entity_type = $1 AND g.entity_id = ANY ($2::uuid[])
                 AND g.language = ANY ($3::text[])`,
              [kind.entity, globalRows.map((r) => r.id), languages],
            )),
          );
        }
        const byRow = new Map<string, Map<string, Map<string, string>>>();
        for (const t of found) {
          const key = `${kind.global ? '' : (t.tenantId ?? '')}:${t.id}`;
          const fields = byRow.get(key) ?? new Map<string, Map<string, string>>();
          byRow.set(key, fields);
          const values = fields.get(t.field) ?? new Map<string, string>();
          fields.set(t.field, values);
          values.set(t.language, t.value);
        }
        return rows.map((r) => byRow.get(kind.global ? `:${r.id}` : keyOf(r)) ?? NONE);
      },
      { cacheKeyFn: (row) => (kind.global ? `:${row.id}` : keyOf(row)) },
    );
  });
}

/** The languages of tenants (by id) as writes check them: one statement per request and batch. */
export function tenantLanguagesOf(ctx: RequestContext): DataLoader<string, TenantLanguages | null> {
  return ctx.loader('translations:tenant-languages', () => {
    return new DataLoader<string, TenantLanguages | null>(async (ids) => {
      const rows = await ctx.tx.query<{ id: string; defaultLocale: string; enabled: string[] }>(
        `SELECT id, default_locale AS "defaultLocale", enabled_languages AS enabled
         FROM tenants WHERE id = ANY ($1::uuid[])`,
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, tenantLanguages(r.defaultLocale, r.enabled)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  });
}
