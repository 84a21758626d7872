import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  astFromValue,
  type DocumentNode,
  execute,
  type GraphQLInputField,
  type GraphQLInputType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type OperationDefinitionNode,
  OperationTypeNode,
  typeFromAST,
  valueFromASTUntyped,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  printSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

const { QUERY, MUTATION } = OperationTypeNode;

/**
 * What Apollo is given to execute `schema` with: the compiled executor, or with `BENCH_GRAPHQL_JS=1` in
 * the environment graphql-js itself (for the benchmark's before-and-after, not a setting).
 */
export function executionOf(
  schema: GraphQLSchema,
): { schema: GraphQLSchema } | { gateway: GatewayInterface } {
  return process.env.BENCH_GRAPHQL_JS === '1' ? { schema } : { gateway: jitGateway(schema) };
}

/**
 * Executes every query and mutation with graphql-jit instead of graphql-js (issue 17): a
 * document is compiled once into a function that walks its selection without building an
 * `info` and an arguments object per field, so a page of 1,000 objects costs far less CPU
 * and garbage. The schema executed is the same one — shield's wrapped resolvers, type-graphql's
 * argument validation and every field resolver run as before; only the walk changes.
 *
 * Apollo Server 5 has no executor option; its gateway interface is the one supported way to
 * hand it one: this "gateway" serves the local schema and the compiled executor. Apollo still
 * parses and validates (the query limits), runs every plugin hook that wraps execution (limits,
 * transaction, logging, metrics) and formats errors. A mutation's root fields run one after
 * another, as graphql-js runs them (graphql-jit queues them).
 *
 * Mutations were left to graphql-js at first because their validation errors came back as
 * INTERNAL_SERVER_ERROR: not class-validator's doing, but graphql-jit re-coercing the raw
 * variables and refusing an omitted non-null input field with a default (a project's `status`),
 * which a query could hit too (`orderBy: $order` without `direction`). `withInputDefaults`
 * fills those in first.
 */
export function jitGateway(schema: GraphQLSchema): GatewayInterface {
  // Apollo keeps one parsed DocumentNode per query text in its document store, so compiled
  // queries live as long as Apollo keeps their documents.
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery>>();
  const compile = (document: DocumentNode, operationName: string | undefined) => {
    let byName = compiled.get(document);
    if (!byName) {
      byName = new Map();
      compiled.set(document, byName);
    }
    const key = operationName ?? '';
    const found = byName.get(key);
    if (found) return found;
    const result = compileQuery(schema, document, operationName, {
      // Our leaves are serialised by their scalars as graphql-js does; a JSON schema per
      // query (fast-json-stringify) would be a second description of the types to keep right.
      customJSONSerializer: false,
    });
    if (isCompiledQuery(result)) byName.set(key, result);
    return result;
  };
  return {
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    load: () =>
      Promise.resolve({
        executor: async (request) => {
          // An unknown or missing operation name (the name the client sent: Apollo's is null
          // then) is graphql-js's to answer, with its own message; so is any subscription.
          const operation = request.operation as typeof request.operation | undefined;
          if (operation?.operation !== QUERY && operation?.operation !== MUTATION) {
            return execute({
              schema,
              document: request.document,
              operationName: request.request.operationName,
              contextValue: request.context,
              variableValues: request.request.variables,
            });
          }
          // graphql-js's own coercion first, so a bad variable is answered exactly as before
          // (Apollo recognises its errors as BAD_USER_INPUT by their node and message).
          const coerced = getVariableValues(
            schema,
            operation.variableDefinitions ?? [],
            request.request.variables ?? {},
            { maxErrors: 50 },
          );
          if (coerced.errors) return { errors: coerced.errors };
          const query = compile(request.document, request.operationName ?? undefined);
          if (!isCompiledQuery(query)) return query;
          return asGraphQLErrors(
            await query.query(
              undefined,
              request.context,
              withInputDefaults(schema, operation, request.request.variables ?? {}),
            ),
          );
        },
      }),
    stop: () => Promise.resolve(),
  };
}

/**
 * graphql-jit's errors imitate graphql-js's without being built by it; the error formatter
 * and Apollo expect the real class (its path, its original error), as graphql-js gives them.
 */
function asGraphQLErrors(result: ExecutionResult): ExecutionResult {
  if (!result.errors) return result;
  return {
    ...result,
    errors: result.errors.map((error) =>
      error instanceof GraphQLError && Object.getPrototypeOf(error) === GraphQLError.prototype
        ? error
        : withLocations(
            new GraphQLError(error.message, {
              path: error.path,
              originalError: error.originalError ?? undefined,
              extensions: error.extensions,
            }),
            error.locations,
          ),
    ),
  };
}

function withLocations(error: GraphQLError, locations: GraphQLError['locations']): GraphQLError {
  // graphql-js derives them from AST nodes, which graphql-jit reports only as line and column.
  if (locations) (error as { locations: GraphQLError['locations'] }).locations = locations;
  return error;
}

/**
 * The variables as the client sent them, with the defaults of the input fields they leave out
 * filled in, in the form a client would send them. graphql-jit 0.8 coerces variables again
 * itself and refuses an omitted non-null input field that has a default (`direction:
 * OrderDirection! = ASC`, a project's `status`), which graphql-js, and the specification,
 * accept: without this, such a request answered INTERNAL_SERVER_ERROR. graphql-js's coerced
 * values cannot be passed instead: an enum's internal value is not always its name (`Scope`),
 * and graphql-jit reads names.
 */
export function withInputDefaults(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  let filled: Record<string, unknown> | null = null;
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type) as GraphQLInputType | undefined;
    const value = variables[name];
    if (!type || value === undefined) continue;
    const next = withDefaults(type, value);
    if (next !== value) {
      filled ??= { ...variables };
      filled[name] = next;
    }
  }
  return filled ?? variables;
}

function withDefaults(type: GraphQLInputType, value: unknown): unknown {
  if (isNonNullType(type)) return withDefaults(type.ofType, value);
  if (value === null || value === undefined) return value;
  if (isListType(type)) {
    if (!Array.isArray(value)) return withDefaults(type.ofType, value);
    const items = value.map((item) => withDefaults(type.ofType, item));
    return items.some((item, i) => item !== value[i]) ? items : value;
  }
  if (!isInputObjectType(type) || typeof value !== 'object' || Array.isArray(value)) return value;
  const own = value as Record<string, unknown>;
  let filled: Record<string, unknown> | null = null;
  for (const field of Object.values(type.getFields())) {
    const given = own[field.name];
    const next =
      given === undefined
        ? field.defaultValue === undefined
          ? undefined
          : clientFormOf(field)
        : withDefaults(field.type, given);
    if (next !== given) {
      filled ??= { ...own };
      filled[field.name] = next;
    }
  }
  return filled ?? value;
}

/** An input field's default as a client would send it (an enum's name, a scalar serialised). */
const clientForms = new WeakMap<GraphQLInputField, unknown>();
function clientFormOf(field: GraphQLInputField): unknown {
  if (!clientForms.has(field)) {
    const literal = astFromValue(field.defaultValue, field.type);
    clientForms.set(field, literal ? valueFromASTUntyped(literal) : undefined);
  }
  return clientForms.get(field);
}
