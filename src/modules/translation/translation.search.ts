import { containsPattern, param } from '../../common/sql';
import type { Access } from '../../auth/access';
import { Lookup } from '../../db/request-transaction';
import {
  TranslatableEntity,
  type TranslatableKind,
  type TranslatedField,
} from './translation.kinds';

/**
 * SQL true for a row (alias `alias`) whose text `field` contains `search` in any language:
 * its source text or any translation, compared in PostgreSQL through `search_fold`
 * (case-insensitive, Uzbek Cyrillic read as Uzbek Latin, apostrophes ignored), so that
 * "Mahalla" finds "Маҳалла". The translations are found by an uncorrelated sub-query (a
 * hashed set, not a lookup per row) among the tenants the principal reads, named so that
 * Citus reads only their shard groups (row-level security limits it to them anyway).
 * Under row-level security no LIKE uses an index, so these compare every row the
 * policies let through: fine for projects, communities and indicators (thousands of rows);
 * activity titles of three or more characters go through `search_activity_ids` and its index,
 * looked up first (`Lookup`).
 */
export function textMatchesSql(
  kind: TranslatableKind,
  alias: string,
  field: TranslatedField,
  search: string,
  params: unknown[],
  access: Access,
): string {
  const column = kind.fields[field]!;
  const text = search.trim();
  const folded = `search_fold(${param(params, containsPattern(text))})`;
  const tenantTranslations = `${alias}.id IN (SELECT t.entity_id FROM translations t
      WHERE ${access.readableTenantSql('t.tenant_id', params)} AND t.entity_type = '${kind.entity}' AND t.field = '${field}' AND search_fold(t.value) LIKE ${folded})`;
  const globalTranslations = `${alias}.id IN (SELECT g.entity_id FROM global_translations g
      WHERE g.entity_type = '${kind.entity}' AND g.field = '${field}' AND search_fold(g.value) LIKE ${folded})`;
  const translated =
    kind.entity === TranslatableEntity.INDICATOR
      ? `${tenantTranslations} OR ${globalTranslations}`
      : kind.global
        ? globalTranslations
        : tenantTranslations;
  const compared = `(search_fold(${alias}.${column}) LIKE ${folded} OR ${translated})`;
  // Activities, by far the most numerous rows: through their index, by a function that looks
  // them up as the owner (row-level security keeps LIKE from using an index), ids only; NULL
  // (too common a pattern: a page is found faster in order) falls back to comparing. Called
  // in a statement of its own before this one, which is how Citus can run it.
  if (kind.entity === TranslatableEntity.ACTIVITY && [...text].length >= 3) {
    const ids = new Lookup(`SELECT search_activity_ids($1) AS value`, [containsPattern(text)]);
    return `coalesce(${alias}.id = ANY (${param(params, ids)}::uuid[]), ${compared})`;
  }
  return compared;
}
