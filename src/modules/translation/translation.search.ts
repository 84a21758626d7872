import { containsPattern, param } from '../../common/sql';
import {
  TranslatableEntity,
  type TranslatableKind,
  type TranslatedField,
} from './translation.kinds';

/**
 * SQL true for a row (alias `alias`) whose text `field` contains `search` in any language:
 * its source text or any translation, compared in PostgreSQL through `search_fold`
 * (case-insensitive, Uzbek Cyrillic read as Uzbek Latin, apostrophes ignored), so that
 * "Mahalla" finds "Маҳалла". The translations are found by an uncorrelated sub-query
 * (Citus plans it on its own, and row-level security limits it to the tenants the principal
 * reads). Under row-level security no LIKE uses an index, so these compare every row the
 * policies let through: fine for projects, communities and indicators (thousands of rows);
 * activity titles of three or more characters go through `search_activity_ids` and its index.
 */
export function textMatchesSql(
  kind: TranslatableKind,
  alias: string,
  field: TranslatedField,
  search: string,
  params: unknown[],
): string {
  const column = kind.fields[field]!;
  const text = search.trim();
  const folded = `search_fold(${param(params, containsPattern(text))})`;
  const tenantTranslations = `${alias}.id IN (SELECT t.entity_id FROM translations t
      WHERE t.entity_type = '${kind.entity}' AND t.field = '${field}' AND search_fold(t.value) LIKE ${folded})`;
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
  // (too common a pattern: a page is found faster in order) falls back to comparing.
  if (kind.entity === TranslatableEntity.ACTIVITY && [...text].length >= 3) {
    const ids = `(SELECT search_activity_ids(${param(params, containsPattern(text))}))::uuid[]`;
    return `coalesce(${alias}.id = ANY (${ids}), ${compared})`;
  }
  return compared;
}
