import { pagedNode, writesRows } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/**
 * Spreadsheet imports: writers of rows start them; a job is read by the principal that started
 * it and the tenant's admins (which jobs is the SQL's job, and row-level security's).
 */
export const SPREADSHEET_RULES: ModuleRules = {
  Mutation: { importSpreadsheet: writesRows },
  Query: { importJob: writesRows, importJobByKey: writesRows },
  ImportJob: writesRows,
  ...pagedNode('ImportJobRow', writesRows),
};
