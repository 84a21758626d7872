import { readsRows } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** The changes feed: whoever reads rows; what each change shows is what the principal reads. */
export const CHANGES_RULES: ModuleRules = {
  Query: { changes: readsRows },
  Change: readsRows,
  ChangePage: readsRows,
};
