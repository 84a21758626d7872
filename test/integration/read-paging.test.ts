import { SEED_IDS } from '../../seeds/programme';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * Keyset pagination through the real server: following `after` from page to page visits
 * every visible row exactly once, in the order the database sorts them, for every sort field
 * and direction of every root connection. The expected order comes from SQL.
 */

type Auth = string | { apiKey: string };
type PageInfo = {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
};
type Connection = {
  totalCount: number;
  pageInfo: PageInfo;
  edges: { cursor: string; node: { id: string } }[];
};

describe('paging with first and after', () => {
  let server: TestServer;
  let platformAdmin: string;
  let tjAdmin: string;

  beforeAll(async () => {
    server = await startTestServer();
    platformAdmin = await server.tokenFor('demo|platform-admin');
    tjAdmin = await server.tokenFor('demo|tj-admin');
    // The seed writes every row in one transaction, so all share one created_at (with
    // microseconds). Spread some of them over distinct days, so that sorting by creation time
    // orders real differences as well as ties.
    for (const table of ['activities', 'communities', 'projects', 'measurements']) {
      await server.db.dataSource.query(
        // The new time computed in the sub-query: Citus refuses a STABLE operator on a column
        // of the updated table in SET (timestamptz - interval); the tenant named on both sides
        // routes the statement to one shard group.
        `UPDATE ${table} t SET created_at = n.created_at
         FROM (SELECT tenant_id, id, row_number() OVER (ORDER BY id) AS k,
                      created_at - row_number() OVER (ORDER BY id) * interval '1 day' AS created_at
                 FROM ${table} WHERE tenant_id = $1) n
         WHERE t.tenant_id = $1 AND n.tenant_id = t.tenant_id AND t.id = n.id AND n.k % 2 = 1`,
        [SEED_IDS.tenants.TJ],
      );
    }
  });
  afterAll(() => server.close());

  const ids = async (text: string, params: unknown[] = []): Promise<string[]> =>
    (await server.db.dataSource.query<{ id: string }[]>(text, params)).map((row) => row.id);

  /** Follows `after` from the first page to the last, checking each page on the way. */
  async function pageThrough(
    field: string,
    args: string,
    auth: Auth,
    expectedTotal: number,
  ): Promise<string[]> {
    const seen: string[] = [];
    const pages = Math.max(1, Math.ceil(expectedTotal / 2));
    let after: string | null = null;
    for (let page = 1; page <= pages; page += 1) {
      const res: GraphQLResponse<Record<string, Connection>> = await server.graphql(
        `query ($after: String) {
          ${field}(first: 2, after: $after${args ? `, ${args}` : ''}) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { id } }
          }
        }`,
        { after },
        auth,
      );
      expect(res.body.errors).toBeUndefined();
      const connection: Connection = res.body.data![field]!;
      const isLast = page === pages;
      expect(connection.totalCount).toBe(expectedTotal);
      expect(connection.edges).toHaveLength(isLast ? expectedTotal - 2 * (pages - 1) : 2);
      expect(connection.pageInfo).toEqual({
        hasNextPage: !isLast,
        hasPreviousPage: page > 1,
        startCursor: connection.edges[0]?.cursor ?? null,
        endCursor: connection.edges[connection.edges.length - 1]?.cursor ?? null,
      });
      seen.push(...connection.edges.map((edge) => edge.node.id));
      after = connection.pageInfo.endCursor;
    }
    return seen;
  }

  /** Asserts the pages visit exactly the rows of `expected`, each once, in its order. */
  async function expectPagesToVisit(
    field: string,
    args: string,
    auth: Auth,
    expected: string[],
  ): Promise<void> {
    expect(expected.length).toBeGreaterThan(2);
    const seen = await pageThrough(field, args, auth, expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expected);
  }

  const directions = ['ASC', 'DESC'] as const;
  const orderings = (columns: Record<string, string>) =>
    Object.entries(columns).flatMap(([field, column]) =>
      directions.map((direction) => [field, direction, column] as const),
    );

  describe('activities(first: 2)', () => {
    it.each(orderings({ START_DATE: 'start_date', TITLE: 'title', CREATED_AT: 'created_at' }))(
      'ordered by %s %s visits every activity exactly once',
      async (field, direction, column) => {
        const expected = await ids(
          `SELECT id FROM activities WHERE deleted_at IS NULL
         ORDER BY ${column} ${direction}, id ${direction}`,
        );
        await expectPagesToVisit(
          'activities',
          `orderBy: { field: ${field}, direction: ${direction} }`,
          platformAdmin,
          expected,
        );
      },
    );

    it('in the default order (latest first) visits every activity a TJ admin may see exactly once', async () => {
      const expected = await ids(
        `SELECT id FROM activities WHERE deleted_at IS NULL AND tenant_id = $1
         ORDER BY start_date DESC, id DESC`,
        [SEED_IDS.tenants.TJ],
      );
      await expectPagesToVisit('activities', '', tjAdmin, expected);
    });

    it('through the dev API key visits every activity of its tenants exactly once', async () => {
      const expected = await ids(
        `SELECT id FROM activities WHERE deleted_at IS NULL ORDER BY start_date DESC, id DESC`,
      );
      await expectPagesToVisit('activities', '', { apiKey: server.devApiKey }, expected);
    });

    it('with a filter visits exactly the matching activities', async () => {
      const expected = await ids(
        `SELECT a.id FROM activities a JOIN tenants t ON t.id = a.tenant_id
         WHERE a.deleted_at IS NULL AND t.code = 'KG' ORDER BY a.title, a.id`,
      );
      await expectPagesToVisit(
        'activities',
        'filter: { tenantCodes: ["KG"] }, orderBy: { field: TITLE }',
        platformAdmin,
        expected,
      );
    });
  });

  describe('other connections with first: 2', () => {
    it.each(
      orderings({ NAME: 'name', CODE: 'code', START_DATE: 'start_date', CREATED_AT: 'created_at' }),
    )(
      'projects ordered by %s %s visit every project exactly once',
      async (field, direction, column) => {
        const expected = await ids(
          `SELECT id FROM projects ORDER BY ${column} ${direction}, id ${direction}`,
        );
        await expectPagesToVisit(
          'projects',
          `orderBy: { field: ${field}, direction: ${direction} }`,
          platformAdmin,
          expected,
        );
      },
    );

    it.each(orderings({ NAME: 'name', REGION: 'region', CREATED_AT: 'created_at' }))(
      'communities ordered by %s %s visit every community exactly once',
      async (field, direction, column) => {
        const expected = await ids(
          `SELECT id FROM communities ORDER BY ${column} ${direction}, id ${direction}`,
        );
        await expectPagesToVisit(
          'communities',
          `orderBy: { field: ${field}, direction: ${direction} }`,
          platformAdmin,
          expected,
        );
      },
    );

    it.each(orderings({ MEASURED_ON: 'measured_on', CREATED_AT: 'created_at' }))(
      'measurements ordered by %s %s visit every measurement exactly once',
      async (field, direction, column) => {
        const expected = await ids(
          `SELECT id FROM measurements WHERE deleted_at IS NULL
           ORDER BY ${column} ${direction}, id ${direction}`,
        );
        await expectPagesToVisit(
          'measurements',
          `orderBy: { field: ${field}, direction: ${direction} }`,
          platformAdmin,
          expected,
        );
      },
    );

    it('indicators visit every indicator exactly once, by code', async () => {
      const expected = await ids(`SELECT id FROM indicators ORDER BY code, id`);
      await expectPagesToVisit('indicators', '', platformAdmin, expected);
    });

    it('tenants visit every tenant exactly once, by code', async () => {
      const expected = await ids(`SELECT id FROM tenants ORDER BY code, id`);
      await expectPagesToVisit('tenants', '', platformAdmin, expected);
    });
  });

  describe('pageInfo at the edges', () => {
    it('a list that fits on one page has neither a next nor a previous page', async () => {
      const expected = await ids(
        `SELECT a.id FROM activities a JOIN tenants t ON t.id = a.tenant_id
         WHERE a.deleted_at IS NULL AND t.code = 'UZ'`,
      );
      expect(expected.length).toBeLessThanOrEqual(2);
      const seen = await pageThrough(
        'activities',
        'filter: { tenantCodes: ["UZ"] }',
        platformAdmin,
        expected.length,
      );
      expect(seen.sort()).toEqual(expected.sort());
    });

    it('an empty list has no cursors and no pages either side', async () => {
      const res = await server.graphql<{ activities: Connection }>(
        `{
          activities(first: 2, filter: { search: "no activity is called this" }) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { id } }
          }
        }`,
        {},
        platformAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.activities).toEqual({
        totalCount: 0,
        pageInfo: {
          hasNextPage: false,
          hasPreviousPage: false,
          startCursor: null,
          endCursor: null,
        },
        edges: [],
      });
    });

    it('after the last cursor comes an empty page with no next page', async () => {
      const expected = await ids(
        `SELECT id FROM activities WHERE deleted_at IS NULL ORDER BY start_date DESC, id DESC`,
      );
      const query = `query ($after: String) {
        activities(first: 100, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
          edges { cursor node { id } }
        }
      }`;
      const all = await server.graphql<{ activities: Connection }>(query, {}, platformAdmin);
      expect(all.body.data!.activities.edges.map((edge) => edge.node.id)).toEqual(expected);
      expect(all.body.data!.activities.pageInfo.hasNextPage).toBe(false);

      const beyond = await server.graphql<{ activities: Connection }>(
        query,
        { after: all.body.data!.activities.pageInfo.endCursor },
        platformAdmin,
      );
      expect(beyond.body.data!.activities).toEqual({
        totalCount: expected.length,
        pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null },
        edges: [],
      });
    });
  });
  it('an orderBy given as a variable without its direction takes the default, ASC', async () => {
    const query = `query ($order: CommunityOrder) {
      communities(first: 20, orderBy: $order) { nodes { id } }
    }`;
    type Answer = { communities: { nodes: { id: string }[] } };
    const implicit = await server.graphql<Answer>(query, { order: { field: 'NAME' } }, tjAdmin);
    const explicit = await server.graphql<Answer>(
      query,
      { order: { field: 'NAME', direction: 'ASC' } },
      tjAdmin,
    );
    expect(implicit.body.errors).toBeUndefined();
    expect(implicit.body.data!.communities.nodes.length).toBeGreaterThan(1);
    expect(implicit.body.data).toEqual(explicit.body.data);
  });
});
