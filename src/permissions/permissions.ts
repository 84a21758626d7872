import {
  getNamedType,
  type GraphQLNamedType,
  type GraphQLSchema,
  isAbstractType,
  isIntrospectionType,
  isObjectType,
} from 'graphql';
import { applyMiddleware, type IMiddlewareFieldMap } from 'graphql-middleware';
import { allow, and, deny, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { ShieldRule } from 'graphql-shield/typings/types';
import { DomainError, ErrorCode } from '../common/errors';
import {
  administers,
  isAuthenticated,
  isPrincipalRule,
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
 * Applies `rules` to the schema with graphql-shield, checking each type-level rule once where
 * an object of the type enters the response instead of on every one of its fields.
 *
 * graphql-shield wraps every field it guards in an async function: on a page of 1,000
 * activities that is a promise for each title and date, for a rule whose answer cannot change
 * within the request. So every field that returns a type also checks that type's rule
 * (`Community.activities` checks `readsRows` for `Activity`, `Project.tenant` checks
 * `readsRows` and `isAuthenticated`), and a field whose own rule is its type's principal rule
 * is then left unwrapped: no object of the type reaches it without that rule having passed
 * in the same request. Every other field stays wrapped (root fields, fields that enter a type
 * with another rule, and anything left to the fallback, which denies).
 */
export function applyPermissions(
  schema: GraphQLSchema,
  rules: Record<string, ShieldRule | FieldRules> = RULES as Record<string, ShieldRule | FieldRules>,
): GraphQLSchema {
  const typeRule = (name: string): ShieldRule | null => {
    const declared = rules[name];
    return declared && !isFieldMap(declared) ? declared : null;
  };
  // The rules an object of `type` (or of any type an interface or union stands for) carries.
  const rulesOfType = (type: GraphQLNamedType): ShieldRule[] => {
    const types = isAbstractType(type) ? schema.getPossibleTypes(type) : [type];
    return types.map((t) => typeRule(t.name)).filter((r): r is ShieldRule => r !== null);
  };
  const tree: Record<string, FieldRules> = {};
  const checkedAtEntry = new Map<string, Set<string>>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const declared = rules[type.name];
    const ownRule = typeRule(type.name);
    const fields: FieldRules = {};
    const unwrapped = new Set<string>();
    for (const [name, field] of Object.entries(type.getFields())) {
      const own = ownRule ?? (isFieldMap(declared) ? declared[name] : undefined) ?? deny;
      const needed = [...new Set([own, ...rulesOfType(getNamedType(field.type))])].filter(
        (r) => r !== allow,
      );
      fields[name] =
        needed.length === 0 ? allow : needed.length === 1 ? needed[0]! : and(...needed);
      const enteredUnder = ownRule === allow || (ownRule !== null && isPrincipalRule(ownRule));
      if (enteredUnder && needed.every((r) => r === ownRule)) unwrapped.add(name);
    }
    tree[type.name] = fields;
    checkedAtEntry.set(type.name, unwrapped);
  }
  const middleware = shield(tree, OPTIONS).generate(schema) as Record<
    string,
    Record<string, unknown>
  >;
  for (const [typeName, unwrapped] of checkedAtEntry) {
    for (const field of unwrapped) delete middleware[typeName]![field];
  }
  return applyMiddleware(schema, middleware as IMiddlewareFieldMap);
}

/** A shield rule is a class instance; a field map is a plain object. */
function isFieldMap(value: unknown): value is FieldRules {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}
