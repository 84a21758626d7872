import { isAuthenticated, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Tenants: any authenticated principal, which sees those it holds a role in. */
export const TENANT_RULES: ModuleRules = {
  Query: { tenants: isAuthenticated, tenant: isAuthenticated },
  ...pagedNode('Tenant', isAuthenticated),
};
