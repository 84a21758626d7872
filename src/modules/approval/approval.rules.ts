import {
  administers,
  approves,
  pagedNode,
  readsRows,
  writesRows,
  writesTenantData,
} from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/**
 * Periods are read by readers of rows (which ones: the SQL), submitted by writers of rows and
 * approved, returned and unapproved by approvers; which projects and tenants each may touch is
 * the service's and the database's check.
 */
export const APPROVAL_RULES: ModuleRules = {
  Query: { reportingPeriod: readsRows, reportingPeriods: readsRows, approvalSettings: readsRows },
  Mutation: {
    submitPeriod: writesRows,
    submitPeriods: writesRows,
    approvePeriod: approves,
    approvePeriods: approves,
    returnPeriod: approves,
    returnPeriods: approves,
    unapprovePeriod: approves,
    unapprovePeriods: approves,
    updateApprovalSettings: administers,
    grantLockException: administers,
    setReportingPeriodLength: writesTenantData,
  },
  ...pagedNode('ReportingPeriod', readsRows),
  PeriodTransition: readsRows,
  PeriodTransitionResult: writesRows,
  ApprovalSettings: readsRows,
  LockException: administers,
  HistoryEntry: readsRows,
};
