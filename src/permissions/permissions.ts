import { allow, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { DomainError, ErrorCode } from '../common/errors';
import {
  administers,
  isAuthenticated,
  readsAggregates,
  readsRows,
  writesRows,
  writesTenantData,
} from './rules';

/**
 * Layer 1 of DESIGN §3: a rule on every type of the schema (a test walks the schema and
 * fails on any field without one). Types carry the rule all their fields share.
 */
export const RULES: IRules = {
  Query: {
    me: isAuthenticated,
    tenants: isAuthenticated,
    tenant: isAuthenticated,
    indicators: isAuthenticated,
    projects: readsRows,
    project: readsRows,
    communities: readsRows,
    community: readsRows,
    activities: readsRows,
    activity: readsRows,
    measurements: readsRows,
    memberships: administers,
    apiKeys: administers,
    auditEvents: administers,
    outcomeSummaries: readsAggregates,
    sharingAgreements: administers,
  },
  // Which rows a write may touch is decided in SQL from the principal's grants; these rules
  // only keep out principals that can write nothing of the kind.
  Mutation: {
    createMembership: administers,
    revokeMembership: administers,
    createApiKey: administers,
    revokeApiKey: administers,
    createProject: writesTenantData,
    updateProject: writesTenantData,
    deleteProject: writesTenantData,
    createCommunity: writesTenantData,
    updateCommunity: writesTenantData,
    deleteCommunity: writesTenantData,
    createIndicator: writesTenantData,
    updateIndicator: writesTenantData,
    deleteIndicator: writesTenantData,
    createActivity: writesRows,
    updateActivity: writesRows,
    deleteActivity: writesRows,
    restoreActivity: writesTenantData,
    createMeasurement: writesRows,
    updateMeasurement: writesRows,
    deleteMeasurement: writesRows,
    restoreMeasurement: writesTenantData,
    importActivities: writesRows,
    importMeasurements: writesRows,
    createSharingAgreement: administers,
    revokeSharingAgreement: administers,
  },
  TenantMembership: administers,
  User: administers,
  ApiKey: administers,
  CreateMembershipPayload: administers,
  RevokeMembershipPayload: administers,
  CreateApiKeyPayload: administers,
  RevokeApiKeyPayload: administers,
  ImportResult: writesRows,
  ImportItemResult: writesRows,
  SharingAgreement: administers,
  CreateSharingAgreementPayload: administers,
  RevokeSharingAgreementPayload: administers,
  // The service decides what each caller sees; summaries carry aggregates only.
  OutcomeSummary: readsAggregates,
  OutcomeProject: readsAggregates,
  Me: isAuthenticated,
  Membership: isAuthenticated,
  Tenant: isAuthenticated,
  Organisation: isAuthenticated,
  Indicator: isAuthenticated,
  Project: readsRows,
  Community: readsRows,
  Activity: readsRows,
  Participants: readsRows,
  Measurement: readsRows,
  AuditEvent: administers,
  // Pages only wrap nodes; the nodes and the fields that return pages carry the rules.
  PageInfo: allow,
  TenantConnection: allow,
  TenantEdge: allow,
  IndicatorConnection: allow,
  IndicatorEdge: allow,
  ProjectConnection: allow,
  ProjectEdge: allow,
  CommunityConnection: allow,
  CommunityEdge: allow,
  ActivityConnection: allow,
  ActivityEdge: allow,
  MeasurementConnection: allow,
  MeasurementEdge: allow,
  TenantMembershipConnection: allow,
  TenantMembershipEdge: allow,
  ApiKeyConnection: allow,
  ApiKeyEdge: allow,
  AuditEventConnection: allow,
  AuditEventEdge: allow,
  SharingAgreementConnection: allow,
  SharingAgreementEdge: allow,
};

export const permissions = shield(RULES, {
  fallbackRule: deny,
  allowExternalErrors: false,
  debug: false,
  // A denied rule (err === null) is FORBIDDEN. Errors thrown by resolvers pass on to the one
  // error formatter, which keeps domain errors and masks everything else.
  fallbackError: (err: unknown) =>
    err === null || err === undefined
      ? new DomainError(ErrorCode.FORBIDDEN, 'You are not allowed to see this')
      : err instanceof Error
        ? err
        : new Error('A resolver threw something that is not an Error'),
});
