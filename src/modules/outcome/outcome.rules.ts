import { readsAggregates } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/**
 * Outcome summaries: readers of rows, aggregate analysts and `aggregate` keys. Which cells
 * each may see (their rows exactly, or what a sharing agreement shares, protected) is decided
 * by the database's outcome_cells; the summary types carry aggregates only.
 */
export const OUTCOME_RULES: ModuleRules = {
  Query: { outcomeSummaries: readsAggregates },
  OutcomeSummary: readsAggregates,
  OutcomeProject: readsAggregates,
  OutcomeDisclosure: readsAggregates,
};
