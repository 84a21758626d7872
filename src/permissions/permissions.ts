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
import { ACTIVITY_RULES } from '../modules/activity/activity.rules';
import { API_KEY_RULES } from '../modules/api-key/api-key.rules';
import { APPROVAL_RULES } from '../modules/approval/approval.rules';
import { AUDIT_RULES } from '../modules/audit/audit.rules';
import { CHANGES_RULES } from '../modules/changes/changes.rules';
import { WEBHOOK_RULES } from '../modules/webhook/webhook.rules';
import { COMMUNITY_RULES } from '../modules/community/community.rules';
import { IATI_RULES } from '../modules/iati/iati.rules';
import { SPREADSHEET_RULES } from '../modules/spreadsheet/spreadsheet.rules';
import { IMPORT_RULES } from '../modules/import/import.rules';
import { INDICATOR_RULES } from '../modules/indicator/indicator.rules';
import { ME_RULES } from '../modules/me/me.rules';
import { MEASUREMENT_RULES } from '../modules/measurement/measurement.rules';
import { MEMBERSHIP_RULES } from '../modules/membership/membership.rules';
import { OUTCOME_RULES } from '../modules/outcome/outcome.rules';
import { ORGANISATION_RULES } from '../modules/organisation/organisation.rules';
import { PROJECT_RULES } from '../modules/project/project.rules';
import { SHARING_AGREEMENT_RULES } from '../modules/sharing-agreement/sharing-agreement.rules';
import { TENANT_RULES } from '../modules/tenant/tenant.rules';
import { TRANSLATION_RULES } from '../modules/translation/translation.rules';
import { isPrincipalRule, type ModuleRules, ruleImplies } from './rules';

/** Every module's rules merged into one map; a type or root field named twice is a bug. */
function mergeRules(modules: readonly ModuleRules[]): IRules {
  const merged: Record<string, ShieldRule | Record<string, ShieldRule>> = {
    Query: {},
    Mutation: {},
  };
  for (const module of modules) {
    for (const [name, rule] of Object.entries(module)) {
      const roots = name === 'Query' || name === 'Mutation';
      const target = roots ? (merged[name] as Record<string, ShieldRule>) : merged;
      const entries = roots ? Object.entries(rule as Record<string, ShieldRule>) : [[name, rule]];
      for (const [key, value] of entries as [string, ShieldRule][]) {
        if (key in target)
          throw new Error(`Two modules declare a rule for ${roots ? `${name}.` : ''}${key}`);
        target[key] = value;
      }
    }
  }
  return merged;
}

/**
 * Layer 1 of DESIGN §3: a rule on every type of the schema (a test walks the schema and
 * fails on any field without one), each module's from its `<domain>.rules.ts`. Types carry
 * the rule all their fields share. Which rows a write may touch is decided in SQL from the
 * principal's grants; the mutations' rules only keep out principals that can write nothing
 * of the kind.
 */
export const RULES: IRules = mergeRules([
  ME_RULES,
  TENANT_RULES,
  ORGANISATION_RULES,
  IATI_RULES,
  INDICATOR_RULES,
  PROJECT_RULES,
  COMMUNITY_RULES,
  ACTIVITY_RULES,
  MEASUREMENT_RULES,
  MEMBERSHIP_RULES,
  API_KEY_RULES,
  AUDIT_RULES,
  IMPORT_RULES,
  SPREADSHEET_RULES,
  OUTCOME_RULES,
  SHARING_AGREEMENT_RULES,
  CHANGES_RULES,
  WEBHOOK_RULES,
  APPROVAL_RULES,
  TRANSLATION_RULES,
  // Where a page sits in its list says nothing about the rows.
  { PageInfo: allow },
]);

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
