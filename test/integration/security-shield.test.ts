import { isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { RULES } from '../../src/permissions/permissions';
import { buildBareSchema } from '../../src/server';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * Layer 1 of DESIGN §3 on its own: every field of the schema has an explicit rule; a denied
 * field is FORBIDDEN and nulls only itself; domain errors pass through shield unchanged;
 * anything unexpected is masked as INTERNAL_SERVER_ERROR with a request id; the rule cache is
 * never shared between principals.
 */

/** `Type.field` for every field of every object type that RULES leaves to the fallback rule. */
function fieldsWithoutRule(schema: GraphQLSchema, rules: Record<string, unknown>): string[] {
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    const rule = rules[type.name];
    // A type-level rule covers every field; a field map covers the fields it names (or '*').
    const fieldMap = isFieldMap(rule) ? rule : null;
    for (const field of Object.keys(type.getFields())) {
      const covered =
        rule !== undefined && (fieldMap === null || field in fieldMap || '*' in fieldMap);
      if (!covered) missing.push(`${type.name}.${field}`);
    }
  }
  return missing.sort();
}

/** A shield rule is a class instance; a field map is a plain object. */
function isFieldMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

const codes = (res: GraphQLResponse<unknown>): unknown[] =>
  (res.body.errors ?? []).map((e) => e.extensions?.code);

describe('the permission layer (graphql-shield)', () => {
  describe('coverage', () => {
    let schema: GraphQLSchema;
    beforeAll(async () => {
      schema = await buildBareSchema();
    });

    it('gives every field of Query, Mutation and every object type an explicit rule', () => {
      expect(fieldsWithoutRule(schema, RULES as Record<string, unknown>)).toEqual([]);
    });

    it('names no type or field the schema lacks (a renamed field must not silently lose its rule)', () => {
      const stale: string[] = [];
      for (const [typeName, rule] of Object.entries(RULES as Record<string, unknown>)) {
        const type = schema.getType(typeName);
        if (!type || !isObjectType(type)) {
          stale.push(typeName);
          continue;
        }
        if (isFieldMap(rule)) {
          for (const field of Object.keys(rule)) {
            if (field !== '*' && !(field in type.getFields())) stale.push(`${typeName}.${field}`);
          }
        }
      }
      expect(stale).toEqual([]);
    });

    it('the walk itself finds a field without a rule (so it would catch a new one)', () => {
      const rules = RULES as Record<string, unknown>;
      const { me: _me, ...queryWithoutMe } = rules.Query as Record<string, unknown>;
      const { Project: _project, ...withoutProject } = rules;
      expect(fieldsWithoutRule(schema, { ...rules, Query: queryWithoutMe })).toEqual(['Query.me']);
      const missing = fieldsWithoutRule(schema, withoutProject);
      expect(missing).toContain('Project.id');
      expect(missing).toContain('Project.communities');
    });
  });

  describe('through the real server', () => {
    let server: TestServer;
    let analyst: string;
    let tjAdmin: string;

    beforeAll(async () => {
      server = await startTestServer();
      analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
      tjAdmin = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    });
    afterAll(() => server.close());

    it('a denied field nulls only itself: the analyst gets `me` while `projects` is FORBIDDEN in the same query', async () => {
      const res = await server.graphql<{ me: { subject: string } | null; projects: unknown }>(
        '{ me { subject scopes } projects { totalCount nodes { id } } }',
        {},
        analyst,
      );
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        me: { subject: DEMO_USERS.unAnalyst.subject, scopes: ['AGGREGATE'] },
        projects: null,
      });
      expect(res.body.errors).toEqual([
        expect.objectContaining({ path: ['projects'], extensions: { code: 'FORBIDDEN' } }),
      ]);
    });

    it('a denied lookup nulls only itself too: the analyst gets its tenants while `project(id)` is FORBIDDEN', async () => {
      const res = await server.graphql<{ tenants: { totalCount: number }; project: unknown }>(
        'query ($id: UUID!) { tenants { totalCount } project(id: $id) { id name } }',
        { id: SEED_IDS.projects.TJ },
        analyst,
      );
      expect(res.body.data).toEqual({ tenants: { totalCount: 3 }, project: null });
      expect(codes(res)).toEqual(['FORBIDDEN']);
    });

    it('lets domain errors through unchanged: `first: 1000` is BAD_USER_INPUT naming the field, not FORBIDDEN', async () => {
      const res = await server.graphql('{ projects(first: 1000) { totalCount } }', {}, tjAdmin);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(res.body.errors![0]!.message).toMatch(/first must be between 1 and 100/);
    });

    it('lets a bad cursor through as BAD_USER_INPUT on a nested field as well', async () => {
      const res = await server.graphql(
        `{ projects { nodes { activities(after: "not-a-cursor") { totalCount } } } }`,
        {},
        tjAdmin,
      );
      expect(new Set(codes(res))).toEqual(new Set(['BAD_USER_INPUT']));
      expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('lets NOT_FOUND through from a mutation: a TJ admin revoking a KG membership, as for an id that does not exist', async () => {
      const mutation = `mutation ($id: UUID!) { revokeMembership(input: { id: $id }) { membership { id } } }`;
      for (const id of [SEED_IDS.memberships.kgAdmin, '00000000-0000-4000-8000-000000000000']) {
        const res = await server.graphql(mutation, { id }, tjAdmin);
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND' });
        expect(res.body.errors![0]!.message).toBe('Membership not found');
      }
      const [kg] = await server.db.dataSource.query<{ revoked_at: Date | null }[]>(
        'SELECT revoked_at FROM memberships WHERE id = $1',
        [SEED_IDS.memberships.kgAdmin],
      );
      expect(kg!.revoked_at).toBeNull();
    });

    it('lets the request’s own errors through with their code: parse, validation, variables', async () => {
      const parse = await server.graphql('{ projects { ', {}, tjAdmin);
      expect(codes(parse)).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(parse.body.errors![0]!.message).toMatch(/Syntax Error/);
      const validation = await server.graphql('{ projects { nope } }', {}, tjAdmin);
      expect(codes(validation)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(validation.body.errors![0]!.message).toMatch(/Cannot query field "nope"/);
      const variables = await server.graphql(
        'query ($id: UUID!) { project(id: $id) { id } }',
        { id: 'not-a-uuid' },
        tjAdmin,
      );
      expect(codes(variables)).toEqual(['BAD_USER_INPUT']);
      expect(variables.body.errors![0]!.message).toMatch(/\$id/);
    });

    it('does not let the analyst tell a hidden row from a missing one, nor see a domain error for it', async () => {
      const res = await server.graphql(
        'query ($a: UUID!, $b: UUID!) { a: project(id: $a) { id } b: project(id: $b) { id } }',
        { a: SEED_IDS.projects.KG, b: '00000000-0000-4000-8000-000000000000' },
        analyst,
      );
      expect(res.body.errors!.map((e) => [e.path, e.message, e.extensions])).toEqual([
        [['a'], 'You are not allowed to see this', { code: 'FORBIDDEN' }],
        [['b'], 'You are not allowed to see this', { code: 'FORBIDDEN' }],
      ]);
    });

    it('does not share the rule cache between principals: interleaved requests each get their own answer', async () => {
      const query = '{ me { subject } projects { totalCount } }';
      const responses = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          server
            .graphql<{ me: { subject: string }; projects: { totalCount: number } | null }>(
              query,
              {},
              i % 2 ? analyst : tjAdmin,
            )
            .then((res) => ({ i, res })),
        ),
      );
      for (const { i, res } of responses) {
        if (i % 2) {
          expect(res.body.data?.me.subject).toBe(DEMO_USERS.unAnalyst.subject);
          expect(res.body.data?.projects ?? null).toBeNull();
          expect(codes(res)).toEqual(['FORBIDDEN']);
        } else {
          expect(res.body.errors).toBeUndefined();
          expect(res.body.data).toEqual({
            me: { subject: DEMO_USERS.tjAdmin.subject },
            projects: { totalCount: 2 },
          });
        }
      }
    });

    it('one request asking for a TJ and a KG row under two aliases gets each answer on its own merit', async () => {
      const res = await server.graphql(
        'query ($tj: UUID!, $kg: UUID!) { tj: project(id: $tj) { id } kg: project(id: $kg) { id } }',
        { tj: SEED_IDS.projects.TJ, kg: SEED_IDS.projects.KG },
        tjAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data).toEqual({ tj: { id: SEED_IDS.projects.TJ }, kg: null });
    });

    describe('an unexpected error', () => {
      beforeAll(async () => {
        // Break this test database: the application role may no longer read communities, so
        // the resolver's SQL fails with a PostgreSQL error naming the table.
        await server.db.dataSource.query('REVOKE SELECT ON communities FROM dg_app');
      });
      afterAll(async () => {
        await server.db.dataSource.query('GRANT SELECT ON communities TO dg_app');
      });

      it('comes back as INTERNAL_SERVER_ERROR with a request id, and no SQL, table name or stack', async () => {
        const res = await server.graphql<{ me: unknown; communities: unknown }>(
          '{ me { subject } communities { totalCount nodes { id name } } }',
          {},
          tjAdmin,
          { 'x-request-id': 'shield-test-request-1' },
        );
        expect(res.status).toBe(200);
        const requestId = res.headers.get('x-request-id');
        expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.body.errors).toEqual([
          {
            message: 'Internal server error',
            path: ['communities'],
            locations: [expect.any(Object)],
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
          },
        ]);
        const text = JSON.stringify(res.body);
        for (const leak of [
          'permission denied',
          'communities c',
          'SELECT',
          'dg_app',
          'stacktrace',
          'at ',
          '.ts:',
        ]) {
          expect(text).not.toContain(leak);
        }
      });

      it('masks it on a nested field too, and the rest of the query still answers', async () => {
        const res = await server.graphql<{
          me: { subject: string };
          projects: { nodes: { id: string; communities: unknown }[] } | null;
        }>('{ me { subject } projects { nodes { id communities { totalCount } } } }', {}, tjAdmin);
        expect(new Set(codes(res))).toEqual(new Set(['INTERNAL_SERVER_ERROR']));
        for (const error of res.body.errors!) {
          expect(error.message).toBe('Internal server error');
          expect(error.path).toEqual(['projects', 'nodes', expect.any(Number), 'communities']);
          expect(error.extensions?.requestId).toEqual(res.headers.get('x-request-id'));
        }
        expect(res.body.data?.me).toEqual({ subject: DEMO_USERS.tjAdmin.subject });
        expect(JSON.stringify(res.body)).not.toMatch(
          /permission denied|SELECT|dg_app|communities c\b/i,
        );
      });
    });
  });
});
