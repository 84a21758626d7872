import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  getNamedType,
  type GraphQLSchema,
  isLeafType,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { DomainError, ErrorCode } from '../common/errors';
import { DEFAULT_PAGE_SIZE } from '../common/connection';
import type { Config } from '../config';

/** Which limit a query broke; clients see it in `extensions.limit`. */
export type QueryLimit = 'depth' | 'aliases' | 'tokens' | 'directives' | 'cost';

const MESSAGES: Record<QueryLimit, string> = {
  depth: 'The query is nested too deeply',
  aliases: 'The query uses too many aliases',
  tokens: 'The query is too long',
  directives: 'The query uses too many directives',
  cost: 'The query asks for too much data: request smaller pages (`first`) or fewer nested lists',
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
 * Roughly how many objects a query may return: a leaf costs nothing, an object one, and a
 * paged field (one with `first`) its children times `first` — the value of a variable as well
 * as a literal (graphql-armor's cost rule counts `first: $n` as 1), or the default page size.
 */
const objectsEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (isLeafType(getNamedType(field.type))) return 0;
  if (field.args.some((arg) => arg.name === 'first')) {
    const first = typeof args.first === 'number' && args.first > 0 ? args.first : DEFAULT_PAGE_SIZE;
    return 1 + first * childComplexity;
  }
  // A list without `first` (a connection's `nodes`, `edges`) is sized by the paged field above.
  return 1 + childComplexity;
};

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
