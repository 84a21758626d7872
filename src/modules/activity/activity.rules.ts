import { pagedNode, readsRows, writesRows, writesTenantData } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Activities: read by readers of rows, written by writers of rows, restored by who writes a tenant’s data. */
export const ACTIVITY_RULES: ModuleRules = {
  Query: { activities: readsRows, activity: readsRows },
  Mutation: {
    createActivity: writesRows,
    updateActivity: writesRows,
    deleteActivity: writesRows,
    restoreActivity: writesTenantData,
  },
  ...pagedNode('Activity', readsRows),
  Participants: readsRows,
};
