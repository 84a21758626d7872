import {
  getNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  isAbstractType,
  isIntrospectionType,
  isObjectType,
} from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { ShieldRule } from 'graphql-shield/typings/types';
import { DomainError, ErrorCode } from '../common/errors';
import {
  administers,
  isAuthenticated,
  isPrincipalRule,
  ruleImplies,
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
  Perturbation: administers,
  CreateSharingAgreementPayload: administers,
  RevokeSharingAgreementPayload: administers,
  // The service decides what each caller sees; summaries carry aggregates only.
  OutcomeSummary: readsAggregates,
  OutcomeProject: readsAggregates,
  OutcomeDisclosure: readsAggregates,
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
  // A page is as readable as its nodes.
  PageInfo: allow,
  TenantConnection: isAuthenticated,
  TenantEdge: isAuthenticated,
  IndicatorConnection: isAuthenticated,
  IndicatorEdge: isAuthenticated,
  ProjectConnection: readsRows,
  ProjectEdge: readsRows,
  CommunityConnection: readsRows,
  CommunityEdge: readsRows,
  ActivityConnection: readsRows,
  ActivityEdge: readsRows,
  MeasurementConnection: readsRows,
  MeasurementEdge: readsRows,
  TenantMembershipConnection: administers,
  TenantMembershipEdge: administers,
  ApiKeyConnection: administers,
  ApiKeyEdge: administers,
  AuditEventConnection: administers,
  AuditEventEdge: administers,
  SharingAgreementConnection: administers,
  SharingAgreementEdge: administers,
};

const OPTIONS = {
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
};

type FieldRules = Record<string, ShieldRule>;

/**
 * Applies `rules` to the schema with graphql-shield, leaving unwrapped the fields of a type
 * whose rule has necessarily passed before any object of the type exists.
 *
 * graphql-shield wraps every field it guards in an async function: on a page of 1,000
 * activities that is a promise for each title and date, for a rule whose answer cannot change
 * within the request. An object of type T only enters a response through a field that returns
 * T; when T's rule is a principal rule and the rule of every such field implies it (both are
 * checked per request, not per row), T's own fields would only repeat a check that passed, so
 * they are left as they are. Any other type keeps shield on every field, as does everything
 * left to the fallback rule (deny); the rules themselves are unchanged.
 */
export function applyPermissions(
  schema: GraphQLSchema,
  rules: Record<string, ShieldRule | FieldRules> = RULES as Record<string, ShieldRule | FieldRules>,
): GraphQLSchema {
  const typeRule = (name: string): ShieldRule | null => {
    const declared = rules[name];
    return declared && !isFieldMap(declared) ? declared : null;
  };
  const ruleOf = (type: string, field: string): ShieldRule => {
    const declared = rules[type];
    return (isFieldMap(declared) ? declared[field] : declared) ?? OPTIONS.fallbackRule;
  };
  // For each type, the rules of the fields through which its objects enter a response.
  const entries = new Map<string, ShieldRule[]>();
  for (const parent of objectTypes(schema)) {
    for (const [name, field] of Object.entries(parent.getFields())) {
      const returned = getNamedType(field.type);
      const types = isAbstractType(returned) ? schema.getPossibleTypes(returned) : [returned];
      for (const type of types) {
        entries.set(type.name, [...(entries.get(type.name) ?? []), ruleOf(parent.name, name)]);
      }
    }
  }
  // Root fields are where a request enters: they keep shield whatever their rules.
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].map(
      (type) => type?.name,
    ),
  );
  const middleware = shield(rules, OPTIONS).generate(schema) as Record<string, unknown>;
  for (const type of objectTypes(schema)) {
    const own = typeRule(type.name);
    const checkedOnEntry =
      !roots.has(type.name) &&
      own !== null &&
      (own === allow || isPrincipalRule(own)) &&
      (entries.get(type.name) ?? []).every((entry) => own === allow || ruleImplies(entry, own));
    if (checkedOnEntry) delete middleware[type.name];
  }
  return applyMiddleware(schema, middleware as IMiddlewareFieldMap);
}

function objectTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType => isObjectType(type) && !isIntrospectionType(type),
  );
}

/** A shield rule is a class instance; a field map is a plain object. */
function isFieldMap(value: unknown): value is FieldRules {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}
