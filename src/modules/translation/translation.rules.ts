import { isAuthenticated, writesRows } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/**
 * Translations: enum labels for anyone signed in; setTranslations for whoever writes some
 * rows; which rows is decided in SQL (and by row-level security) from the principal's grants.
 */
export const TRANSLATION_RULES: ModuleRules = {
  Query: { enumLabels: isAuthenticated },
  Mutation: { setTranslations: writesRows },
  EnumLabel: isAuthenticated,
  SetTranslationsPayload: writesRows,
  Translation: writesRows,
};
