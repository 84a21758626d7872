import { pagedNode, readsRows, writesTenantData } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Communities: read by readers of rows, written by who writes a tenant’s data. */
export const COMMUNITY_RULES: ModuleRules = {
  Query: { communities: readsRows, community: readsRows },
  Mutation: {
    createCommunity: writesTenantData,
    updateCommunity: writesTenantData,
    deleteCommunity: writesTenantData,
  },
  ...pagedNode('Community', readsRows),
};
