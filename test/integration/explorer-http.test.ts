import { buildBareSchema } from '../../src/server';
import { parse, validate } from 'graphql';
import { loadConfig } from '../../src/config';
import {
  EXAMPLE_TABS,
  IMPORT_EXAMPLE,
  OUTCOME_EXAMPLE,
  PROJECT_EXAMPLE,
} from '../../src/explorer/explorer.examples';
import { EXPLORER_CSP } from '../../src/explorer/explorer.page';
import { DEMO_USERS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/** What a browser sends for a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the explorer over HTTP, outside production', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it.each(['/', '/graphql'])('serves the explorer page to a browser at %s', async (path) => {
    const res = await fetch(`${server.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toBe(EXPLORER_CSP);
    const html = await res.text();
    expect(html).toContain('id="graphiql"');
    expect(html).toContain('Environment: <span class="environment" id="explorer-environment">test');
    expect(html).toContain('npm run token -- --user tj-admin@demo.dignity-graph.org');
    // Every script and stylesheet comes from this server.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // The settings block cannot be closed early by its own content (`<paste token>`).
    const config = /<script id="explorer-config" type="application\/json">(.*?)<\/script>/s.exec(
      html,
    );
    expect(config?.[1]).not.toContain('<');
    expect(JSON.parse(config![1]!)).toMatchObject({ endpoint: '/graphql' });
    // One Token field for every tab, which the browser is not asked to remember.
    expect(html).toMatch(/<input id="explorer-token" type="password" autocomplete="off"/);
    // The language switch (sent as Accept-Language), offering all six languages.
    expect(html.match(/<option value="(en|ru|tg|ky|uz-Latn|uz-Cyrl)">/g)).toHaveLength(6);
    expect(config![1]).not.toMatch(/headers|Bearer/i);
  });

  it('serves the bundle it references, from this server', async () => {
    for (const asset of ['explorer.js', 'explorer.css']) {
      const res = await fetch(`${server.url}/explorer/assets/${asset}`);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(body.length).toBeGreaterThan(1000);
      if (asset.endsWith('.css')) expect(body).not.toMatch(/@import|url\(\s*['"]?(https?:)?\/\//);
    }
  });

  it('leaves API clients alone: POST, GET with a query, and non-browser GETs', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const posted = await server.graphql('{ me { subject } }', {}, token, {
      accept: BROWSER_ACCEPT,
    });
    expect(posted.body.data).toEqual({ me: { subject: DEMO_USERS.tjAdmin.subject } });

    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: BROWSER_ACCEPT, 'apollo-require-preflight': 'true' },
    });
    expect(get.headers.get('content-type')).toMatch(/json/);
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });

    for (const accept of ['application/json', '*/*']) {
      const res = await fetch(`${server.url}/graphql`, { headers: { accept } });
      expect(res.headers.get('content-type')).not.toMatch(/text\/html/);
    }
    const root = await fetch(`${server.url}/`, { headers: { accept: '*/*' } });
    expect(root.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await root.text()).toContain('Explorer: open / or /graphql in a browser');
  });

  it('ships a first example that is valid against the schema and runs on the seed data', async () => {
    const schema = await buildBareSchema();
    expect(validate(schema, parse(PROJECT_EXAMPLE))).toEqual([]);
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const res = await server.graphql<{
      projects: { nodes: { code: string; communities: { totalCount: number } }[] };
    }>(PROJECT_EXAMPLE, {}, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.projects.nodes.map((project) => project.code)).toEqual(['LWD-TJ']);
    expect(res.body.data?.projects.nodes[0]?.communities.totalCount).toBeGreaterThan(0);
    for (const tab of EXAMPLE_TABS) expect(validate(schema, parse(tab.query))).toEqual([]);
  });

  it('ships an outcome tab that shows the published TJ results', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const res = await server.graphql<{
      outcomeSummaries: {
        indicator: { code: string };
        relativeChange: number | null;
        foldChange: number | null;
        improved: boolean | null;
      }[];
    }>(OUTCOME_EXAMPLE, {}, token);
    expect(res.body.errors).toBeUndefined();
    const byCode = new Map(res.body.data!.outcomeSummaries.map((s) => [s.indicator.code, s]));
    expect(byCode.get('DV_PREVALENCE')).toMatchObject({ relativeChange: -0.5, improved: true });
    expect(byCode.get('FAMILY_SAVINGS')).toMatchObject({ foldChange: 8, improved: true });
  });

  it('ships an import tab whose dry run is valid on the seed data and writes nothing', async () => {
    const tab = EXAMPLE_TABS.find((t) => t.query === IMPORT_EXAMPLE)!;
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const count = async () =>
      (
        await server.graphql<{ activities: { totalCount: number } }>(
          '{ activities { totalCount } }',
          {},
          token,
        )
      ).body.data!.activities.totalCount;
    const before = await count();
    const res = await server.graphql<{
      importActivities: { dryRun: boolean; applied: boolean; invalid: number; created: number };
    }>(IMPORT_EXAMPLE, JSON.parse(tab.variables!) as Record<string, unknown>, token);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.importActivities).toMatchObject({
      dryRun: true,
      applied: false,
      invalid: 0,
      created: 2,
    });
    expect(await count()).toBe(before);
  });
});

describe('the explorer in production', () => {
  const secret = { JWT_SECRET: 'x'.repeat(40), DATABASE_URL: 'postgres://db.example/dg' };

  it('is off unless EXPLORER=true, which also turns introspection on for its docs', () => {
    expect(loadConfig({ NODE_ENV: 'production', ...secret }).explorer).toBe(false);
    const on = loadConfig({ NODE_ENV: 'production', EXPLORER: 'true', ...secret });
    expect(on).toMatchObject({ explorer: true, allowIntrospection: true });
    expect(
      loadConfig({
        NODE_ENV: 'production',
        EXPLORER: 'true',
        ALLOW_INTROSPECTION: 'false',
        ...secret,
      }).allowIntrospection,
    ).toBe(false);
    expect(loadConfig({ NODE_ENV: 'development' }).explorer).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', EXPLORER: 'false' }).explorer).toBe(false);
    expect(() => loadConfig({ EXPLORER: 'maybe' })).toThrow(/EXPLORER/);
  });

  it('with EXPLORER=true, says it is production and gives no development token command', async () => {
    const server = await startTestServer({ env: { NODE_ENV: 'production', EXPLORER: 'true' } });
    try {
      const res = await fetch(`${server.url}/graphql`, { headers: { accept: BROWSER_ACCEPT } });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('id="explorer-environment">production');
      expect(html).not.toContain('npm run token');
      expect(html).toContain('identity provider');
      expect(html).toContain('API key');
    } finally {
      await server.close();
    }
  });

  it('without EXPLORER, serves no page to a browser', async () => {
    const server = await startTestServer({ env: { NODE_ENV: 'production' } });
    try {
      for (const path of ['/', '/graphql']) {
        const res = await fetch(`${server.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
        expect(await res.text()).not.toMatch(/<html|graphiql/i);
      }
      const asset = await fetch(`${server.url}/explorer/assets/explorer.js`);
      expect(asset.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
