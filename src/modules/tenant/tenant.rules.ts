import { administers, isAuthenticated, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Tenants: any authenticated principal, which sees those it holds a role in; admins set their languages. */
export const TENANT_RULES: ModuleRules = {
  Query: { tenants: isAuthenticated, tenant: isAuthenticated },
  Mutation: { setTenantLanguages: administers },
  ...pagedNode('Tenant', isAuthenticated),
};
