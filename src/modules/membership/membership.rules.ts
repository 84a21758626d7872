import { administers, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Memberships: tenant administrators only. */
export const MEMBERSHIP_RULES: ModuleRules = {
  Query: { memberships: administers },
  Mutation: { createMembership: administers, revokeMembership: administers },
  ...pagedNode('TenantMembership', administers),
  User: administers,
  CreateMembershipPayload: administers,
  RevokeMembershipPayload: administers,
};
