import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  defaultFieldResolver,
  type DocumentNode,
  getNamedType,
  getNullableType,
  type GraphQLField,
  type GraphQLSchema,
  isListType,
  isLeafType,
  isObjectType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DomainError, ErrorCode } from '../common/errors';
import { DEFAULT_PAGE_SIZE } from '../common/connection';
import type { Config } from '../config';

/** Which limit a query broke; clients see it in `extensions.limit`. */
export type QueryLimit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost' | 'size';

const MESSAGES: Record<QueryLimit, string> = {
  depth: 'The query is nested too deeply',
  aliases: 'The query uses too many aliases',
  tokens: 'The query is too long',
  directives: 'The query uses too many directives',
  cost: 'The query asks for too much data: request smaller pages (`first`) or fewer nested lists',
  size: 'The answer holds more items than a list may: narrow the filter or grouping',
};

/**
 * A query refused before any resolver runs. The message names the limit but not its value
 * nor the query's own count (graphql-armor's `exposeLimits` is off for the same reason): the
 * limits are documented, and a probe learns nothing more from the answer.
 */
export function queryTooComplex(limit: QueryLimit): DomainError {
  return new DomainError(ErrorCode.QUERY_TOO_COMPLEX, MESSAGES[limit], { limit });
}

/**
 * graphql-armor's depth, alias and directive rules, reporting our own error instead of
 * throwing theirs (whose message starts "Syntax Error" and would reach clients as
 * GRAPHQL_VALIDATION_FAILED).
 */
export function queryLimitRules(limits: Config['queryLimits']): ValidationRule[] {
  const reject = (limit: QueryLimit) => [
    (context: ValidationContext | null) => context?.reportError(queryTooComplex(limit)),
  ];
  const common = { exposeLimits: false, propagateOnRejection: false };
  return [
    maxDepthRule({ ...common, n: limits.depth, onReject: reject('depth') }),
    maxAliasesRule({ ...common, n: limits.aliases, onReject: reject('aliases') }),
    maxDirectivesRule({ ...common, n: limits.directives, onReject: reject('directives') }),
  ];
}

/**
 * The most items each list without `first` may hold, keyed `Type.field`: what the cost model
 * multiplies its children by, and what `enforceListMaximums` holds the answer to (a longer
 * list is refused, never cut short). The input limits bound most of them (50 tenants per key,
 * 100 indicators per agreement, 1,000 import items); the rest are ours to keep.
 */
export const LIST_MAXIMUMS: Readonly<Record<string, number>> = {
  'Query.outcomeSummaries': 2000,
  'Me.memberships': 100,
  'ApiKey.tenants': 50,
  'Project.donors': 50,
  'Project.partners': 100,
  'SharingAgreement.indicators': 100,
  'ImportResult.items': 1000,
  'WebhookDelivery.attemptLog': 20,
  // A record's or period's history: its audit entries and transitions (not paged yet).
  'Activity.history': 1000,
  'Measurement.history': 1000,
  'ReportingPeriod.history': 1000,
  // One result per period of the input (1 to 100).
  'Mutation.submitPeriods': 100,
  'Mutation.approvePeriods': 100,
  'Mutation.returnPeriods': 100,
  'Mutation.unapprovePeriods': 100,
  // The values of one enum; a row's translations, one per language.
  'Query.enumLabels': 50,
  'SetTranslationsPayload.translations': 50,
};

/** What a list missing from LIST_MAXIMUMS counts as. */
const UNDECLARED_LIST_SIZE = 1000;

/** A connection's (or the changes feed's page's) `nodes` and `edges`: sized by the paged field above them. */
function isConnectionPage(parentType: string, fieldName: string): boolean {
  const paged = parentType.endsWith('Connection') || parentType === 'ChangePage';
  return paged && (fieldName === 'nodes' || fieldName === 'edges');
}

/** Whether a field returns a list of objects (a list of scalars costs nothing). */
function isObjectList(field: GraphQLField<unknown, unknown>): boolean {
  return isListType(getNullableType(field.type)) && !isLeafType(getNamedType(field.type));
}

/**
 * Roughly how many objects a query may return: a leaf costs nothing, an object one, a paged
 * field (one with `first`) its children times `first` — the value of a variable as well as a
 * literal (graphql-armor's cost rule counts `first: $n` as 1), or the default page size — and
 * any other list its children times its declared maximum (LIST_MAXIMUMS).
 */
const objectsEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (isLeafType(getNamedType(field.type))) return 0;
  if (field.args.some((arg) => arg.name === 'first')) {
    const first = typeof args.first === 'number' && args.first > 0 ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  if (isObjectList(field) && !isConnectionPage(type.name, field.name)) {
    // A list nobody declared a size for is counted large (and fails the test of every list).
    const maximum = LIST_MAXIMUMS[`${type.name}.${field.name}`] ?? UNDECLARED_LIST_SIZE;
    // Each item is an object of its own, with its children.
    return maximum * (1 + childComplexity);
  }
  return 1 + childComplexity;
};

/**
 * Holds each list of LIST_MAXIMUMS to its maximum at run time, so the cost the estimate
 * charged is the most a response can hold: a longer answer is QUERY_TOO_COMPLEX (narrow the
 * filter), not a silently shortened list. Wraps the resolvers in place; returns the schema.
 */
export function enforceListMaximums(schema: GraphQLSchema): GraphQLSchema {
  for (const [key, maximum] of Object.entries(LIST_MAXIMUMS)) {
    const [typeName, fieldName] = key.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) throw new Error(`LIST_MAXIMUMS names ${key}, which the schema does not have`);
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (...args) => {
      const list: unknown = await resolve(...args);
      if (Array.isArray(list) && list.length > maximum) throw queryTooComplex('size');
      return list;
    };
  }
  return schema;
}

/** Costs by document (Apollo reuses the parsed document of a query it has seen) and inputs. */
const costs = new WeakMap<DocumentNode, Map<string, number | undefined>>();
/** Longer inputs (a bulk import's variables) are costed every time rather than remembered. */
const REMEMBERED_INPUTS_LENGTH = 1_000;

/**
 * The cost of the operation that will run, with its variables. Undefined when the variables
 * themselves are invalid: execution refuses them before any resolver runs.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
): number | undefined {
  const inputs = inputsKey(operationName, variables);
  const remembered = costs.get(document);
  if (inputs !== null && remembered?.has(inputs)) return remembered.get(inputs);
  const cost = computeCost(schema, document, operationName, variables);
  if (inputs !== null) {
    const byInputs = remembered ?? new Map<string, number | undefined>();
    if (byInputs.size >= 100) byInputs.clear();
    costs.set(document, byInputs.set(inputs, cost));
  }
  return cost;
}

/** The operation name and variables as a key, or null when they are too large to remember. */
function inputsKey(operationName: string | undefined, variables: unknown): string | null {
  try {
    const key = JSON.stringify([operationName ?? null, variables ?? null]);
    return key.length <= REMEMBERED_INPUTS_LENGTH ? key : null;
  } catch {
    // Nested too deeply to serialise: costed every time, like any unusual input.
    return null;
  }
}

function computeCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
): number | undefined {
  try {
    return getComplexity({
      schema,
      query: document,
      operationName,
      variables,
      estimators: [objectsEstimator],
    });
  } catch (error) {
    // Its own node limit (10,000 fields after expanding fragments) is a cost failure too.
    if (error instanceof Error && /maximum allowed number of nodes/.test(error.message)) {
      throw queryTooComplex('cost');
    }
    return undefined;
  }
}

/** graphql-js's error for a document over `maxTokens` (Apollo's `parseOptions`). */
export function isTokenLimitError(message: string): boolean {
  return /^Syntax Error: Document contains more th(?:an|at) \d+ tokens/.test(message);
}
