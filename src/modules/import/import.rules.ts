import { writesRows } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Bulk imports: writers of rows (which rows is the SQL’s job). */
export const IMPORT_RULES: ModuleRules = {
  Mutation: { importActivities: writesRows, importMeasurements: writesRows },
  ImportResult: writesRows,
  ImportItemResult: writesRows,
};
