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
 * "Mahalla" finds "Маҳалла". Both sides have trigram indexes on the folded text. The
 * translations are found by an uncorrelated sub-query (Citus plans it on its own, and
 * row-level security limits it to the tenants the principal reads).
 */
export function textMatchesSql(
  kind: TranslatableKind,
  alias: string,
  field: TranslatedField,
  search: string,
  params: unknown[],
): string {
  const column = kind.fields[field]!;
  const folded = `search_fold(${param(params, containsPattern(search.trim()))})`;
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
  return `(search_fold(${alias}.${column}) LIKE ${folded} OR ${translated})`;
}
