import { pagedNode, readsRows, writesRows, writesTenantData } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Measurements: read by readers of rows, written by writers of rows, restored by who writes a tenant’s data. */
export const MEASUREMENT_RULES: ModuleRules = {
  Query: { measurements: readsRows },
  Mutation: {
    createMeasurement: writesRows,
    updateMeasurement: writesRows,
    deleteMeasurement: writesRows,
    restoreMeasurement: writesTenantData,
  },
  ...pagedNode('Measurement', readsRows),
};
