import { pagedNode, readsRows, writesTenantData } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Projects: read by readers of rows, written by who writes a tenant’s data. */
export const PROJECT_RULES: ModuleRules = {
  Query: { projects: readsRows, project: readsRows },
  Mutation: {
    createProject: writesTenantData,
    updateProject: writesTenantData,
    deleteProject: writesTenantData,
  },
  ...pagedNode('Project', readsRows),
};
