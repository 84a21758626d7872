import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { buildSchema, execute, getOperationAST, GraphQLError, parse } from 'graphql';
import { executionOf, jitGateway } from '../../src/common/jit-executor';

/** The compiled executor answers as graphql-js would where the error formatter looks. */
describe('graphql-jit behind Apollo', () => {
  const schema = buildSchema(`
    type Query { items(n: Int!): [Item!]! who: String order(by: Order): String }
    type Item { ok: String broken: String }
    type Mutation { touch: String first: String second: String order(by: Order!): String }
    enum Direction { ASC DESC }
    input Order { field: String! direction: Direction! = ASC tags: [Tag!] }
    input Tag { name: String! weight: Int! = 1 }
  `);
  const fields = (name: string) =>
    (
      schema.getType(name) as unknown as {
        getFields(): Record<string, { resolve?: unknown; defaultValue?: unknown }>;
      }
    ).getFields();
  fields('Query').items!.resolve = (_: unknown, args: { n: number }) =>
    Array.from({ length: args.n }, () => ({}));
  fields('Query').who!.resolve = (_: unknown, _a: unknown, ctx: { who: string }) => ctx.who;
  fields('Item').ok!.resolve = () => 'ok';
  fields('Item').broken!.resolve = () => {
    throw new Error('boom');
  };
  // Internal enum values other than their names, as type-graphql gives TypeScript enums.
  const direction = schema.getType('Direction') as unknown as {
    getValue(name: string): { value: unknown };
  };
  direction.getValue('ASC').value = 'asc';
  direction.getValue('DESC').value = 'desc';
  fields('Order').direction!.defaultValue = 'asc';
  const order = (_: unknown, args: { by: unknown }) => JSON.stringify(args.by);
  fields('Query').order!.resolve = order;
  fields('Mutation').order!.resolve = order;
  const ran: string[] = [];
  for (const name of ['first', 'second']) {
    fields('Mutation')[name]!.resolve = async () => {
      ran.push(`${name} started`);
      await new Promise((resolve) => setTimeout(resolve, name === 'first' ? 30 : 0));
      ran.push(`${name} ended`);
      return name;
    };
  }
  let mutationWalkedByJit = true;
  fields('Mutation').touch!.resolve = (_: unknown, _a: unknown, _c: unknown, info: object) => {
    // graphql-js's path carries the parent's typename; graphql-jit's does not.
    mutationWalkedByJit = !('typename' in (info as { path: object }).path);
    return 'touched';
  };

  async function run(query: string, variables: Record<string, unknown> = {}, name?: string) {
    const { executor } = await jitGateway(schema).load({ apollo: {} });
    const document = parse(query);
    return executor!({
      document,
      operation: getOperationAST(document, name)!,
      operationName: name ?? null,
      request: { query, variables, operationName: name },
      context: { who: 'me' },
    } as unknown as GatewayGraphQLRequestContext);
  }

  it('answers data with the request context', async () => {
    expect(await run('{ who items(n: 2) { ok } }')).toEqual({
      data: { who: 'me', items: [{ ok: 'ok' }, { ok: 'ok' }] },
    });
  });

  it("turns a resolver's error into a real GraphQLError with its path and location", async () => {
    const result = await run('{ items(n: 1) { broken } }');
    const error = result.errors![0]!;
    expect(Object.getPrototypeOf(error)).toBe(GraphQLError.prototype);
    expect(error.path).toEqual(['items', 0, 'broken']);
    expect(error.locations).toEqual([{ line: 1, column: 17 }]);
    expect(error.originalError?.message).toBe('boom');
  });

  it('coerces variables with graphql-js, so Apollo still sees BAD_USER_INPUT', async () => {
    const result = await run('query ($n: Int!) { items(n: $n) { ok } }', { n: 'many' });
    expect(result.data).toBeUndefined();
    expect(result.errors![0]!.message).toMatch(/^Variable "\$n" got invalid value/);
    expect(result.errors![0]!.nodes?.[0]?.kind).toBe('VariableDefinition');
  });

  it('runs mutations compiled too, their root fields one after another', async () => {
    expect(await run('mutation { touch }')).toEqual({ data: { touch: 'touched' } });
    expect(mutationWalkedByJit).toBe(true);
    expect(await run('mutation { first second }')).toEqual({
      data: { first: 'first', second: 'second' },
    });
    expect(ran).toEqual(['first started', 'first ended', 'second started', 'second ended']);
  });

  it.each(['query ($by: Order) { order(by: $by) }', 'mutation ($by: Order!) { order(by: $by) }'])(
    'gives an omitted input field its default, as graphql-js does: %s',
    async (query) => {
      const by = { field: 'name', tags: [{ name: 'a' }, { name: 'b', weight: 5 }] };
      const expected = JSON.stringify({
        field: 'name',
        direction: 'asc',
        tags: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 5 },
        ],
      });
      const result = await run(query, { by });
      expect(result).toEqual({ data: { order: expected } });
      // Exactly what graphql-js answers.
      const document = parse(query);
      expect(await execute({ schema, document, variableValues: { by } })).toEqual(result);
      // The client's variables are left as they were.
      expect(by).toEqual({ field: 'name', tags: [{ name: 'a' }, { name: 'b', weight: 5 }] });
    },
  );

  it('passes enum names given by the client through unchanged', async () => {
    const result = await run('query ($by: Order) { order(by: $by) }', {
      by: { field: 'x', direction: 'DESC' },
    });
    expect(result).toEqual({ data: { order: JSON.stringify({ field: 'x', direction: 'desc' }) } });
  });

  it('is what the server runs unless BENCH_GRAPHQL_JS=1', () => {
    expect(executionOf(schema)).toHaveProperty('gateway');
    process.env.BENCH_GRAPHQL_JS = '1';
    try {
      expect(executionOf(schema)).toEqual({ schema });
    } finally {
      delete process.env.BENCH_GRAPHQL_JS;
    }
  });
});
