import { administers, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** The audit log: tenant administrators only. */
export const AUDIT_RULES: ModuleRules = {
  Query: { auditEvents: administers },
  ...pagedNode('AuditEvent', administers),
};
