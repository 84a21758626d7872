import { getIntrospectionQuery } from 'graphql';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { ConfigError, loadConfig } from '../../src/config';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * NODE_ENV=production (DESIGN §3, issue 3): no introspection unless ALLOW_INTROSPECTION=true,
 * nothing for anonymous callers, no schema hints in errors, and no start without a JWT secret.
 */

const codes = (res: GraphQLResponse<unknown>): unknown[] =>
  (res.body.errors ?? []).map((e) => e.extensions?.code);

describe('production mode', () => {
  describe('by default', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ env: { NODE_ENV: 'production' } });
    });
    afterAll(() => server.close());

    it('runs as production', () => {
      expect(server.config.isProduction).toBe(true);
      expect(server.config.allowIntrospection).toBe(false);
    });

    it.each([
      ['__schema', '{ __schema { types { name } } }'],
      ['__type', '{ __type(name: "Project") { name fields { name } } }'],
      ['the full introspection query', getIntrospectionQuery()],
    ])('refuses introspection (%s) to anonymous callers', async (_label, query) => {
      const res = await server.graphql(query, {}, null);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).not.toMatch(/"Project"|"Measurement"/);
    });

    it('refuses introspection to a platform admin as well', async () => {
      const token = await server.tokenFor(DEMO_USERS.platformAdmin.subject);
      const res = await server.graphql('{ __schema { queryType { name } } }', {}, token);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });

    it('gives anonymous callers nothing: HTTP 401 UNAUTHENTICATED for any data field', async () => {
      const res = await server.graphql(
        `query ($p: UUID!, $c: UUID!, $a: UUID!) {
          me { subject } tenants { totalCount } tenant(code: "TJ") { name } indicators { totalCount }
          projects { totalCount } communities { totalCount } activities { totalCount } measurements { totalCount }
          project(id: $p) { id } community(id: $c) { id } activity(id: $a) { id } }`,
        {
          p: SEED_IDS.projects.TJ,
          c: SEED_IDS.communities.tjNavobod,
          a: SEED_IDS.activities.tjDialogueNavobod,
        },
        null,
      );
      expect(res.status).toBe(401);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
      expect(JSON.stringify(res.body)).not.toMatch(/Living with Dignity|Tajikistan|DV_PREVALENCE/);
    });

    it('gives anonymous callers no introspection either', async () => {
      const res = await server.graphql('{ __schema { queryType { name } } }', {}, null);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    });

    it('still serves signed-in users', async () => {
      const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
      const res = await server.graphql<{ projects: { totalCount: number } }>(
        '{ projects { totalCount } }',
        {},
        token,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.projects.totalCount).toBe(2);
    });

    it('gives no schema hints in validation errors ("Did you mean …")', async () => {
      const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
      const res = await server.graphql('{ projectz { totalCount } }', {}, token);
      expect(codes(res)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      expect(JSON.stringify(res.body)).not.toMatch(/Did you mean/);
    });

    it('serves no GraphQL explorer landing page and no development hints', async () => {
      const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).not.toMatch(/<html|sandbox|embeddable/i);
      const root = await (await fetch(`${server.url}/`)).text();
      expect(root).not.toMatch(/npm run token/);
    });

    it('masks unexpected errors and says nothing of the stack', async () => {
      await server.db.dataSource.query('REVOKE SELECT ON projects FROM dg_app');
      try {
        const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
        const res = await server.graphql('{ projects { totalCount } }', {}, token);
        expect(res.body.errors).toEqual([
          expect.objectContaining({
            message: 'Internal server error',
            extensions: {
              code: 'INTERNAL_SERVER_ERROR',
              requestId: res.headers.get('x-request-id'),
            },
          }),
        ]);
        expect(JSON.stringify(res.body)).not.toMatch(/permission denied|stacktrace|SELECT/i);
      } finally {
        await server.db.dataSource.query('GRANT SELECT ON projects TO dg_app');
      }
    });
  });

  describe('with ALLOW_INTROSPECTION=true', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({
        env: { NODE_ENV: 'production', ALLOW_INTROSPECTION: 'true' },
      });
    });
    afterAll(() => server.close());

    it('answers introspection', async () => {
      const res = await server.graphql<{ __schema: { queryType: { name: string } } }>(
        '{ __schema { queryType { name } } }',
        {},
        null,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.__schema.queryType.name).toBe('Query');
    });

    it('still gives anonymous callers no data', async () => {
      const res = await server.graphql(
        '{ projects { totalCount } tenants { totalCount } }',
        {},
        null,
      );
      expect(res.status).toBe(401);
      expect(res.body.data ?? null).toBeNull();
      expect(codes(res)).toEqual(['UNAUTHENTICATED']);
    });
  });

  describe('configuration', () => {
    it('refuses to load without JWT_SECRET, with a ConfigError naming JWT_SECRET', () => {
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    });

    it('treats an empty JWT_SECRET as missing', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: '' })).toThrow(/JWT_SECRET/);
    });

    it('refuses a JWT_SECRET too short for HS256, naming it', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(
        /JWT_SECRET/,
      );
    });

    it('never falls back to the development secret in production', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://db.example/dignity_graph',
        JWT_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      });
      expect(config.jwt.secret).toBeUndefined();
      expect(config.allowIntrospection).toBe(false);
    });

    it('turns introspection off in production and on elsewhere, unless told otherwise', () => {
      const secret = {
        JWT_SECRET: 'a-production-secret-that-is-long-enough',
        DATABASE_URL: 'postgres://db.example/dignity_graph',
      };
      expect(loadConfig({ NODE_ENV: 'production', ...secret }).allowIntrospection).toBe(false);
      expect(
        loadConfig({ NODE_ENV: 'production', ALLOW_INTROSPECTION: 'true', ...secret })
          .allowIntrospection,
      ).toBe(true);
      expect(loadConfig({ NODE_ENV: 'development' }).allowIntrospection).toBe(true);
    });
  });
});
