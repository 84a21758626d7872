import type { GatewayInterface } from '@apollo/server-gateway-interface';
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  GraphQLError,
  type GraphQLSchema,
  OperationTypeNode,
  printSchema,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

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
 * Executes every query with graphql-jit instead of graphql-js (issue 17): a query
 * document is compiled once into a function that walks its selection without building an
 * `info` and an arguments object per field, so a page of 1,000 objects costs far less CPU
 * and garbage. The schema executed is the same one — shield's wrapped resolvers, type-graphql's
 * argument validation and every field resolver run as before; only the walk changes.
 *
 * Apollo Server 5 has no executor option; its gateway interface is the one supported way to
 * hand it one: this "gateway" serves the local schema and the compiled executor. Apollo still
 * parses and validates (the query limits), runs every plugin hook that wraps execution (limits,
 * transaction, logging, metrics) and formats errors.
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
          // Mutations stay on graphql-js: they are not where the CPU goes, and their inputs'
          // validation errors depend on graphql-js's argument objects. So does an unknown or
          // missing operation name (the name the client sent: Apollo's is null then).
          const operation = request.operation as typeof request.operation | undefined;
          if (operation?.operation !== OperationTypeNode.QUERY) {
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
            await query.query(undefined, request.context, request.request.variables ?? {}),
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
