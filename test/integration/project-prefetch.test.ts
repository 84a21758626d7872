import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * `projects` fetches each project's page of communities in its own statement when the query
 * selects them, and primes their loader (issue 17). The pages must be exactly what the
 * communities' own loader answers — the same rows, order, page info and counts, hidden
 * communities left out — for every kind of caller; and whatever it cannot do the same way it
 * leaves to the loader.
 */
describe('a page of projects with their communities in one statement', () => {
  let server: TestServer;
  let admin: string;
  let pilotEditor: string;
  let platformAdmin: string;

  type Community = { id: string; name: string };
  type CommunityPage = {
    totalCount?: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: Community[];
  };
  type Projects = { projects: { nodes: { id: string; a: CommunityPage; b?: CommunityPage }[] } };

  const PAGE = `pageInfo { hasNextPage endCursor } nodes { id name }`;
  /** `a` alone is fetched with the projects; with `b` (other arguments) neither is. */
  const query = (options: { filter?: string; a: string; b?: string; count?: boolean }) => `{
    projects(first: 20${options.filter ? `, filter: ${options.filter}` : ''}) {
      nodes {
        id
        a: communities(${options.a}) { ${options.count ? 'totalCount' : ''} ${PAGE} }
        ${options.b ? `b: communities(${options.b}) { ${PAGE} }` : ''}
      }
    }
  }`;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.tokenFor('demo|tj-admin');
    pilotEditor = await server.tokenFor('demo|tj-pilot-editor');
    platformAdmin = await server.tokenFor('demo|platform-admin');
    // Enough communities on one TJ project for several pages, and one project with none.
    await server.db.dataSource.query(
      `WITH c AS (
         INSERT INTO communities (tenant_id, name, region, district, settlement)
         SELECT $1, 'Prefetch village ' || g, 'Sughd', 'Khujand', 'RURAL' FROM generate_series(1, 7) g
         RETURNING tenant_id, id
       )
       INSERT INTO project_communities (tenant_id, project_id, community_id)
       SELECT tenant_id, $2, id FROM c`,
      [SEED_IDS.tenants.TJ, SEED_IDS.projects.tjPilot],
    );
    await server.db.dataSource.query(
      `INSERT INTO projects (tenant_id, code, name, status, start_date)
       VALUES ($1, 'PF-EMPTY', 'Prefetch project without communities', 'PLANNED', '2025-01-01')`,
      [SEED_IDS.tenants.TJ],
    );
  });
  afterAll(() => server.close());

  async function read(
    text: string,
    auth: string | { apiKey: string },
  ): Promise<{ data: Projects; statements: number }> {
    const before = server.statements.length;
    const res = await server.graphql<Projects>(text, {}, auth);
    expect(res.body.errors).toBeUndefined();
    return { data: res.body.data!, statements: server.statements[before]! };
  }

  /**
   * The same projects' `a` pages, once as the query alone asks for them (fetched with the
   * projects when `together`) and once beside `b`, which leaves both to the loader.
   */
  async function bothWays(
    auth: string | { apiKey: string },
    a: string,
    options: { filter?: string; together?: boolean } = {},
  ) {
    const joined = await read(query({ a, filter: options.filter, count: true }), auth);
    const apart = await read(
      query({ a, filter: options.filter, count: true, b: 'first: 1' }),
      auth,
    );
    // Together: the opening, projects with communities, their counts, COMMIT. Apart, `a` and
    // `b` take a statement each (per tenant of the page) after the projects'.
    if (options.together ?? true) expect(joined.statements).toBe(4);
    else expect(joined.statements).toBeGreaterThan(4);
    expect(apart.statements).toBeGreaterThan(joined.statements);
    expect(joined.data).toEqual({
      projects: { nodes: apart.data.projects.nodes.map(({ id, a: page }) => ({ id, a: page })) },
    });
    return joined.data.projects.nodes;
  }

  it('a TJ admin gets the pages the loader would give, in one statement fewer', async () => {
    const nodes = await bothWays(admin, 'first: 3');
    const pilot = nodes.find((p) => p.id === SEED_IDS.projects.tjPilot)!;
    expect(pilot.a.nodes).toHaveLength(3);
    expect(pilot.a.pageInfo.hasNextPage).toBe(true);
    expect(pilot.a.totalCount).toBeGreaterThanOrEqual(7);
    // The project without communities is there, with an empty page.
    expect(nodes.some((p) => p.a.nodes.length === 0 && p.a.totalCount === 0)).toBe(true);
    expect(nodes.map((p) => p.id)).not.toContain(SEED_IDS.projects.KG);
  });

  it('the order is the nested order, both directions', async () => {
    const asc = await bothWays(admin, 'first: 10, orderBy: { field: NAME, direction: ASC }');
    const desc = await bothWays(admin, 'first: 10, orderBy: { field: NAME, direction: DESC }');
    const names = (nodes: typeof asc) =>
      nodes.find((p) => p.id === SEED_IDS.projects.tjPilot)!.a.nodes.map((c) => c.name);
    expect(names(asc)).toEqual([...names(asc)].sort((x, y) => x.localeCompare(y, 'en')));
    expect(names(desc)).not.toEqual(names(asc));
  });

  it('a partner of the pilot sees its project only, and only the communities it may read', async () => {
    const nodes = await bothWays(pilotEditor, 'first: 100');
    expect(nodes.map((p) => p.id)).toEqual([SEED_IDS.projects.tjPilot]);
    const direct = await server.graphql<{ communities: { nodes: { id: string }[] } }>(
      `{ communities(first: 100) { nodes { id } } }`,
      {},
      pilotEditor,
    );
    const readable = new Set(direct.body.data!.communities.nodes.map((c) => c.id));
    expect(nodes[0]!.a.nodes.length).toBeGreaterThan(0);
    for (const community of nodes[0]!.a.nodes) expect(readable.has(community.id)).toBe(true);
  });

  it('an API key of several tenants gets the pages the loader gives; naming one, together', async () => {
    const all = await bothWays({ apiKey: server.devApiKey }, 'first: 5', { together: false });
    const tj = await bothWays({ apiKey: server.devApiKey }, 'first: 5', {
      filter: '{ tenantCodes: ["TJ"] }',
    });
    expect(all).toEqual(expect.arrayContaining(tj));
    expect(all.length).toBeGreaterThan(tj.length);
  });

  it('a platform admin naming one tenant gets that tenant only, fetched together', async () => {
    const nodes = await bothWays(platformAdmin, 'first: 5', { filter: '{ tenantCodes: ["KG"] }' });
    expect(nodes.map((p) => p.id)).toContain(SEED_IDS.projects.KG);
    expect(nodes.map((p) => p.id)).not.toContain(SEED_IDS.projects.tjPilot);
  });

  it('a page that can reach several tenants is left to the loader, with the same answer', async () => {
    const nodes = await bothWays(platformAdmin, 'first: 2', {
      filter: '{ tenantCodes: ["TJ", "KG"] }',
      together: false,
    });
    const tj = await bothWays(platformAdmin, 'first: 2', { filter: '{ tenantCodes: ["TJ"] }' });
    expect(nodes.map((p) => p.id)).toEqual(
      expect.arrayContaining([SEED_IDS.projects.KG, SEED_IDS.projects.tjPilot]),
    );
    expect(nodes).toEqual(expect.arrayContaining(tj));
  });

  it('a cursor or a filter on the communities is left to the loader', async () => {
    const first = await read(query({ a: 'first: 2' }), admin);
    const cursor = first.data.projects.nodes.find((p) => p.id === SEED_IDS.projects.tjPilot)!.a
      .pageInfo.endCursor!;
    const after = await read(query({ a: `first: 2, after: "${cursor}"` }), admin);
    const filtered = await read(query({ a: 'first: 2, filter: { region: "Sughd" }' }), admin);
    expect(after.statements).toBe(first.statements + 1);
    expect(filtered.statements).toBe(first.statements + 1);
    const pilotAfter = after.data.projects.nodes.find((p) => p.id === SEED_IDS.projects.tjPilot)!;
    expect(pilotAfter.a.nodes).toHaveLength(2);
    const firstIds = first.data.projects.nodes
      .find((p) => p.id === SEED_IDS.projects.tjPilot)!
      .a.nodes.map((c) => c.id);
    for (const c of pilotAfter.a.nodes) expect(firstIds).not.toContain(c.id);
  });

  it("a bad page size on the communities is the nested field's error, as before", async () => {
    const res = await server.graphql(query({ a: 'first: 1000' }), {}, admin);
    expect(res.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      path: ['projects', 'nodes', 0, 'a'],
    });
  });

  it('an analyst, who reads no rows, still gets no projects and no communities', async () => {
    const analyst = await server.tokenFor('demo|un-analyst');
    const res = await server.graphql<{ projects: unknown }>(query({ a: 'first: 5' }), {}, analyst);
    expect(res.body.data?.projects ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
