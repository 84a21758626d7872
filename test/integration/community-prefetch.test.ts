import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * A project's communities come with each community's page of activities in one statement
 * when the query selects them, and prime the activities' loader (issue 17). The pages must be
 * exactly what the activities' own loader answers — the same rows, columns, order, page info
 * and counts, hidden activities left out — for every kind of caller; and whatever it cannot do
 * the same way it leaves to the loader.
 */
describe("a project's communities with their activities in one statement", () => {
  let server: TestServer;
  let admin: string;
  let pilotEditor: string;
  let platformAdmin: string;
  /** An activity of the TJ main project in a community the pilot targets too. */
  let mainActivityInPilotCommunity: string;
  let pilotCommunity: string;

  type ActivityPage = {
    totalCount?: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { id: string; title: string; startDate: string; participants: { total: number } }[];
  };
  type Node = { id: string; a: ActivityPage; b?: ActivityPage };
  type Projects = { projects: { nodes: { id: string; communities: { nodes: Node[] } }[] } };

  const PAGE = `pageInfo { hasNextPage endCursor } nodes { id title startDate participants { total } }`;
  /** `a` alone is fetched with the communities; beside `b` (other arguments) neither is. */
  const query = (options: { filter?: string; a: string; b?: string }) => `{
    projects(first: 20${options.filter ? `, filter: ${options.filter}` : ''}) {
      nodes {
        id
        communities(first: 10) {
          nodes {
            id
            a: activities(${options.a}) { totalCount ${PAGE} }
            ${options.b ? `b: activities(${options.b}) { ${PAGE} }` : ''}
          }
        }
      }
    }
  }`;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.tokenFor('demo|tj-admin');
    pilotEditor = await server.tokenFor('demo|tj-pilot-editor');
    platformAdmin = await server.tokenFor('demo|platform-admin');
    const [community] = await server.db.dataSource.query<{ id: string }[]>(
      `SELECT community_id AS id FROM project_communities WHERE tenant_id = $1 AND project_id = $2
       ORDER BY community_id LIMIT 1`,
      [SEED_IDS.tenants.TJ, SEED_IDS.projects.tjPilot],
    );
    pilotCommunity = community!.id;
    // Enough pilot activities in it for several pages, and one of the main TJ project there.
    await server.db.dataSource.query(
      `INSERT INTO activities (tenant_id, project_id, community_id, type, title, start_date,
         recorded_by_organisation_id)
       SELECT $1, $2, $3, 'TRAINING', 'Prefetch session ' || g, '2025-03-01'::date + g, $4
       FROM generate_series(1, 7) g`,
      [
        SEED_IDS.tenants.TJ,
        SEED_IDS.projects.tjPilot,
        pilotCommunity,
        SEED_IDS.organisations.internationalAlert,
      ],
    );
    const [main] = await server.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO activities (tenant_id, project_id, community_id, type, title, start_date,
         recorded_by_organisation_id)
       VALUES ($1, $2, $3, 'TRAINING', 'Main project session', '2025-04-01', $4) RETURNING id`,
      [
        SEED_IDS.tenants.TJ,
        SEED_IDS.projects.TJ,
        pilotCommunity,
        SEED_IDS.organisations.internationalAlert,
      ],
    );
    mainActivityInPilotCommunity = main!.id;
    // A pilot community with no activity at all, first by name.
    await server.db.dataSource.query(
      `WITH c AS (
         INSERT INTO communities (tenant_id, name, region, district, settlement)
         VALUES ($1, 'Aaa prefetch hamlet', 'Sughd', 'Khujand', 'RURAL') RETURNING tenant_id, id
       )
       INSERT INTO project_communities (tenant_id, project_id, community_id)
       SELECT tenant_id, $2, id FROM c`,
      [SEED_IDS.tenants.TJ, SEED_IDS.projects.tjPilot],
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

  /** Every `a` page of the answer, by project and community. */
  const pages = (data: Projects) =>
    data.projects.nodes.flatMap((p) =>
      p.communities.nodes.map((c) => ({ project: p.id, community: c.id, a: c.a })),
    );

  /**
   * The `a` pages once as the query alone asks for them (fetched with the communities) and
   * once beside `b`, which leaves both to the activities' loader: the same answer.
   */
  async function bothWays(auth: string | { apiKey: string }, a: string, filter?: string) {
    const joined = await read(query({ a, filter }), auth);
    const apart = await read(query({ a, filter, b: 'first: 1' }), auth);
    expect(pages(joined.data)).toEqual(pages(apart.data));
    // Apart, `a` and `b` take a statement each (per tenant) after the communities'.
    expect(joined.statements).toBeLessThanOrEqual(apart.statements - 2);
    return { pages: pages(joined.data), statements: joined.statements };
  }

  const pilotPage = (all: { project: string; community: string; a: ActivityPage }[]) =>
    all.find((p) => p.project === SEED_IDS.projects.tjPilot && p.community === pilotCommunity)!.a;

  it('a TJ admin gets the pages the loader would give, in one statement fewer', async () => {
    const { pages: all, statements } = await bothWays(admin, 'first: 3');
    // The opening, projects, communities with activities, the activities' counts, COMMIT.
    expect(statements).toBe(5);
    const pilot = pilotPage(all);
    expect(pilot.nodes).toHaveLength(3);
    expect(pilot.pageInfo.hasNextPage).toBe(true);
    expect(pilot.totalCount).toBeGreaterThanOrEqual(8);
    expect(all.some((p) => p.a.nodes.length === 0 && p.a.totalCount === 0)).toBe(true);
  });

  it('the order is the nested order, both directions', async () => {
    const asc = await bothWays(admin, 'first: 20, orderBy: { field: START_DATE, direction: ASC }');
    const desc = await bothWays(
      admin,
      'first: 20, orderBy: { field: START_DATE, direction: DESC }',
    );
    const days = (all: typeof asc.pages) => pilotPage(all).nodes.map((n) => n.startDate);
    expect(days(asc.pages)).toEqual([...days(asc.pages)].sort());
    expect(days(desc.pages)).toEqual([...days(asc.pages)].reverse());
  });

  it("a partner of the pilot never gets the main project's activity in a community they share", async () => {
    const { pages: all } = await bothWays(pilotEditor, 'first: 20');
    expect(new Set(all.map((p) => p.project))).toEqual(new Set([SEED_IDS.projects.tjPilot]));
    const ids = pilotPage(all).nodes.map((n) => n.id);
    expect(ids.length).toBeGreaterThanOrEqual(7);
    expect(ids).not.toContain(mainActivityInPilotCommunity);
    // The admin, who reads the whole tenant, gets it under the main project's communities.
    const { pages: adminPages } = await bothWays(admin, 'first: 20');
    expect(adminPages.flatMap((p) => p.a.nodes.map((n) => n.id))).toContain(
      mainActivityInPilotCommunity,
    );
  });

  it('an API key and a platform admin over several tenants get the pages the loader gives', async () => {
    const key = await bothWays({ apiKey: server.devApiKey }, 'first: 5');
    const all = await bothWays(platformAdmin, 'first: 5');
    const kg = await bothWays(platformAdmin, 'first: 5', '{ tenantCodes: ["KG"] }');
    expect(all.pages.map((p) => p.project)).toEqual(
      expect.arrayContaining([SEED_IDS.projects.KG, SEED_IDS.projects.tjPilot]),
    );
    expect(kg.pages.every((p) => p.project !== SEED_IDS.projects.tjPilot)).toBe(true);
    expect(key.pages.length).toBeGreaterThan(0);
  });

  it('a cursor or a filter on the activities is left to the loader', async () => {
    const first = await read(query({ a: 'first: 2' }), admin);
    const cursor = pilotPage(pages(first.data)).pageInfo.endCursor!;
    const after = await read(query({ a: `first: 2, after: "${cursor}"` }), admin);
    const filtered = await read(query({ a: 'first: 2, filter: { types: [TRAINING] }' }), admin);
    expect(after.statements).toBe(first.statements + 1);
    expect(filtered.statements).toBe(first.statements + 1);
    const next = pilotPage(pages(after.data)).nodes.map((n) => n.id);
    expect(next).toHaveLength(2);
    for (const id of pilotPage(pages(first.data)).nodes.map((n) => n.id)) {
      expect(next).not.toContain(id);
    }
  });

  it("a bad page size on the activities is the activities field's error, as before", async () => {
    const res = await server.graphql(query({ a: 'first: 0' }), {}, admin);
    expect(res.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      path: ['projects', 'nodes', 0, 'communities', 'nodes', 0, 'a'],
    });
  });

  it('an analyst, who reads no rows, still gets no projects, communities or activities', async () => {
    const analyst = await server.tokenFor('demo|un-analyst');
    const res = await server.graphql<{ projects: unknown }>(query({ a: 'first: 5' }), {}, analyst);
    expect(res.body.data?.projects ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
