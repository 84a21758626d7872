import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * No N+1: the SQL round trips of the benchmark's queries (issue 8) stay the same whether a
 * page has 2 parents or 100. Counts include the request transaction's own (the first round
 * trip, which authenticates, BEGINs and sets the tenant, and the COMMIT). Issue 17's targets:
 * Q1 ≤ 4, Q2 ≤ 3, Q3 ≤ 3.
 */
describe('SQL statements per request', () => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    // Pages of 100 × 100 × 5 exceed the default cost limit: raised through configuration.
    server = await startTestServer({ env: { MAX_QUERY_COST: '10000000' } });
    adminToken = await server.tokenFor('demo|tj-admin');
    // 120 more TJ projects, each targeting 12 communities with 6 activities each: enough
    // parents for a page of 100 at every level.
    await server.db.dataSource.query(
      `WITH p AS (
         INSERT INTO projects (tenant_id, code, name, status, start_date)
         SELECT $1, 'SC-' || g, 'Statement count ' || g, 'ACTIVE', '2024-01-01'
         FROM generate_series(1, 120) g RETURNING tenant_id, id
       ), c AS (
         INSERT INTO communities (tenant_id, name, region, district, settlement)
         SELECT $1, 'Community ' || g, 'Khatlon', 'Vose', 'RURAL' FROM generate_series(1, 12) g
         RETURNING tenant_id, id
       ), pc AS (
         INSERT INTO project_communities (tenant_id, project_id, community_id)
         SELECT p.tenant_id, p.id, c.id FROM p CROSS JOIN c RETURNING project_id, community_id
       )
       INSERT INTO activities (tenant_id, project_id, community_id, type, title, start_date,
         recorded_by_organisation_id)
       SELECT $1, pc.project_id, pc.community_id, 'TRAINING', 'Session ' || g, '2024-02-01'::date + g,
         $2
       FROM pc CROSS JOIN generate_series(1, 6) g`,
      [SEED_IDS.tenants.TJ, SEED_IDS.organisations.internationalAlert],
    );
  });
  afterAll(() => server.close());

  async function statementsOf(
    query: string,
    variables: Record<string, unknown>,
    auth: string | { apiKey: string },
  ): Promise<number> {
    const before = server.statements.length;
    const res = await server.graphql(query, variables, auth);
    expect(res.body.errors).toBeUndefined();
    expect(server.statements).toHaveLength(before + 1);
    return server.statements[before]!;
  }

  const PROJECT_PAGE = `query ($projects: Int!, $communities: Int!) {
    projects(first: $projects, filter: { tenantCodes: ["TJ"] }) {
      nodes {
        name
        communities(first: $communities) {
          nodes {
            name
            activities(first: 5, orderBy: { field: START_DATE, direction: DESC }) {
              nodes { title type startDate participants { female male other total } }
            }
          }
        }
      }
    }
  }`;

  it('the project page (Q1) takes 4, with 2 parents or 100 at each level: the activities come with the communities', async () => {
    const small = await statementsOf(PROJECT_PAGE, { projects: 2, communities: 2 }, adminToken);
    const large = await statementsOf(PROJECT_PAGE, { projects: 100, communities: 100 }, adminToken);
    expect(small).toBe(4);
    expect(large).toBe(small);
  });

  it('asking for totalCount at every level costs one statement per level, not per parent', async () => {
    const withCounts = PROJECT_PAGE.replace(
      /nodes \{\n\s+name\n\s+communities/,
      'totalCount nodes { name communities',
    ).replace(
      'communities(first: $communities) {',
      'communities(first: $communities) { totalCount',
    );
    const small = await statementsOf(withCounts, { projects: 2, communities: 2 }, adminToken);
    const large = await statementsOf(withCounts, { projects: 100, communities: 100 }, adminToken);
    expect(large).toBe(small);
    expect(small).toBe(6);
  });

  it('one activity with its community and project (Q3) takes 3, as an API key: one data statement', async () => {
    const [activity] = await server.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM activities WHERE tenant_id = $1 AND community_id IS NOT NULL LIMIT 1`,
      [SEED_IDS.tenants.TJ],
    );
    const count = await statementsOf(
      `query ($id: UUID!) {
        activity(id: $id) {
          title startDate participants { total }
          community { name region }
          project { name code }
        }
      }`,
      { id: activity!.id },
      { apiKey: server.devApiKey },
    );
    expect(count).toBe(3);
  });

  it('the cross-country summary (Q2) takes 3 for an analyst, its audit record included: the agreements in force come with the principal', async () => {
    const analyst = await server.tokenFor('demo|un-analyst');
    const audited = async () =>
      Number(
        (
          await server.db.dataSource.query<{ n: string }[]>(
            `SELECT count(*) AS n FROM audit_events WHERE action = 'AGGREGATE_READ'`,
          )
        )[0]!.n,
      );
    const before = await audited();
    const count = await statementsOf(
      `{ outcomeSummaries(filter: { tenants: ["TJ"], indicatorCodes: ["DV_PREVALENCE"] },
           groupBy: [TENANT]) { baseline latest relativeChange sampleSize communities suppressed } }`,
      {},
      analyst,
    );
    expect(count).toBe(3);
    expect(await audited()).toBeGreaterThan(before);
  });

  it('relations of many rows are batched: 100 activities with project, community and facilitator', async () => {
    const query = `query ($n: Int!) {
      activities(first: $n, filter: { tenantCodes: ["TJ"] }) {
        nodes { title project { name } community { name } facilitator { name } recordedBy { name } }
      }
    }`;
    const small = await statementsOf(query, { n: 2 }, adminToken);
    const large = await statementsOf(query, { n: 100 }, adminToken);
    expect(large).toBe(small);
  });

  it('the reporting period of many rows is batched: 100 activities and 100 measurements with their period and its history', async () => {
    const query = `query ($n: Int!) {
      activities(first: $n, filter: { tenantCodes: ["TJ"] }) {
        nodes { title reportingPeriod { start state approvedBy history { action } } }
      }
      measurements(first: $n, filter: { tenantCodes: ["TJ"] }) {
        nodes { value reportingPeriod { start state approvedBy history { action } } }
      }
    }`;
    const small = await statementsOf(query, { n: 2 }, adminToken);
    const large = await statementsOf(query, { n: 100 }, adminToken);
    expect(large).toBe(small);
  });
});
