import { isAuthenticated, pagedNode, writesTenantData } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Indicators: read by every principal, written by who writes a tenant’s data. */
export const INDICATOR_RULES: ModuleRules = {
  Query: { indicators: isAuthenticated },
  Mutation: {
    createIndicator: writesTenantData,
    updateIndicator: writesTenantData,
    deleteIndicator: writesTenantData,
  },
  ...pagedNode('Indicator', isAuthenticated),
};
