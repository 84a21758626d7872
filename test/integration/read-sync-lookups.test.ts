import { SEED_IDS } from '../../seeds/programme';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * What a partner's sync tool asks of the ordinary lists: the rows changed since a time
 * (`filter.updatedSince`), in the order they changed (`orderBy: UPDATED_AT`, with rows of the
 * same time ordered by id so that pages never skip or repeat one), and its own rows found again
 * by their externalIds. Each through the real server, checked against SQL, for every role
 * that reads rows (users and API keys), and never beyond what that principal may read.
 */

type Auth = string | { apiKey: string };
type Connection = {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: { id: string; updatedAt: string }[];
};

/** Two times in one millisecond, and a later one: ties at the precision clients see. */
const T1 = '2026-03-01T10:00:00.123456Z';
const T1_LATER_IN_SAME_MS = '2026-03-01T10:00:00.123789Z';
const T1_MS = '2026-03-01T10:00:00.123Z';
const T2 = '2026-03-02T08:30:00.5Z';

const LISTS = [
  { field: 'projects', table: 'projects', live: 'true' },
  { field: 'communities', table: 'communities', live: 'true' },
  { field: 'indicators', table: 'indicators', live: 'true' },
  { field: 'activities', table: 'activities', live: 'deleted_at IS NULL' },
  { field: 'measurements', table: 'measurements', live: 'deleted_at IS NULL' },
] as const;

describe('syncing through the ordinary lists', () => {
  let server: TestServer;
  let platformAdmin: string;
  let tjAdmin: string;
  let kgAdmin: string;
  let tjPilotEditor: string;
  let kgReadKey: { apiKey: string };

  beforeAll(async () => {
    server = await startTestServer();
    [platformAdmin, tjAdmin, kgAdmin, tjPilotEditor] = await Promise.all([
      server.tokenFor('demo|platform-admin'),
      server.tokenFor('demo|tj-admin'),
      server.tokenFor('demo|kg-admin'),
      server.tokenFor('demo|tj-pilot-editor'),
    ]);
    // The seed wrote every row in one transaction: one updated_at for all. Give a third of
    // each table T1, a third a later time in the same millisecond, and leave the rest: many
    // exact ties, and rows a client cannot tell apart by the updatedAt it reads.
    for (const { table } of LISTS) {
      await server.db.dataSource.query(
        `UPDATE ${table} t SET updated_at = CASE n.k % 3 WHEN 1 THEN $1::timestamptz
                                                 WHEN 2 THEN $2::timestamptz END
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS k FROM ${table}) n
         WHERE t.id = n.id AND n.k % 3 IN (1, 2)`,
        [T1, T1_LATER_IN_SAME_MS],
      );
    }
    const key = await server.graphql<{ createApiKey: { secret: string } }>(
      `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      {
        input: {
          name: 'KG sync',
          organisationId: SEED_IDS.organisations.internationalAlert,
          tenantCodes: ['KG'],
          scopes: ['READ'],
        },
      },
      kgAdmin,
    );
    expect(key.body.errors).toBeUndefined();
    kgReadKey = { apiKey: key.body.data!.createApiKey.secret };
  });
  afterAll(() => server.close());

  const ids = async (text: string, params: unknown[] = []): Promise<string[]> =>
    (await server.db.dataSource.query<{ id: string }[]>(text, params)).map((row) => row.id);

  /** Every page of a list, two rows at a time, following endCursor to the end. */
  async function allPages(field: string, args: string, auth: Auth): Promise<string[]> {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 200; page += 1) {
      const res: GraphQLResponse<Record<string, Connection>> = await server.graphql(
        `query ($after: String) {
          ${field}(first: 2, after: $after, ${args}) {
            pageInfo { hasNextPage endCursor }
            nodes { id updatedAt }
          }
        }`,
        { after },
        auth,
      );
      expect(res.body.errors).toBeUndefined();
      const connection = res.body.data![field]!;
      seen.push(...connection.nodes.map((node) => node.id));
      if (!connection.pageInfo.hasNextPage) return seen;
      after = connection.pageInfo.endCursor;
    }
    throw new Error(`${field}: no last page after 200`);
  }

  describe('orderBy: UPDATED_AT', () => {
    it.each(
      LISTS.flatMap((list) =>
        (['ASC', 'DESC'] as const).map((dir) => [list.field, dir, list] as const),
      ),
    )(
      '%s %s visits every row exactly once, ties by id',
      async (field, direction, { table, live }) => {
        // Clients see milliseconds: rows in one millisecond count as a tie, ordered by id.
        const expected = await ids(
          `SELECT id FROM ${table} WHERE ${live}
            ORDER BY date_trunc('milliseconds', updated_at) ${direction}, id ${direction}`,
        );
        expect(expected.length).toBeGreaterThan(2);
        const seen = await allPages(
          field,
          `orderBy: { field: UPDATED_AT, direction: ${direction} }`,
          platformAdmin,
        );
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual(expected);
      },
    );

    it('keeps a page boundary inside a run of equal times: nothing skipped, nothing repeated', async () => {
      // Several TJ activities share T1 exactly; pages of two end inside that run.
      const tied = await ids(
        `SELECT id FROM activities WHERE tenant_id = $1 AND deleted_at IS NULL
           AND updated_at = $2::timestamptz ORDER BY id`,
        [SEED_IDS.tenants.TJ, T1],
      );
      expect(tied.length).toBeGreaterThan(2);
      const seen = await allPages(
        'activities',
        `filter: { tenantCodes: ["TJ"], updatedSince: "${T1_MS}" }, orderBy: { field: UPDATED_AT }`,
        tjAdmin,
      );
      const runInPages = seen.filter((id) => tied.includes(id));
      expect(runInPages).toEqual(tied);
    });
  });

  describe('filter.updatedSince', () => {
    it.each(LISTS)(
      '$field: exactly the rows changed at or after the time, a row later in the same millisecond included',
      async ({ field, table, live }) => {
        const expected = await ids(
          `SELECT id FROM ${table} WHERE ${live} AND updated_at >= $1::timestamptz
            ORDER BY date_trunc('milliseconds', updated_at), id`,
          [T1_MS],
        );
        expect(expected.length).toBeGreaterThan(0);
        const seen = await allPages(
          field,
          `filter: { updatedSince: "${T1_MS}" }, orderBy: { field: UPDATED_AT }`,
          platformAdmin,
        );
        expect(seen).toEqual(expected);
        // The same rows as the later time of that millisecond would give: none is lost to
        // the microseconds a client never sees.
        const res = await server.graphql<Record<string, Connection>>(
          `{ ${field}(first: 100, filter: { updatedSince: "${T1_MS}" }) { nodes { id updatedAt } } }`,
          {},
          platformAdmin,
        );
        const times = new Set(res.body.data![field]!.nodes.map((n) => n.updatedAt));
        expect([...times].every((t) => t >= T1_MS)).toBe(true);
      },
    );

    it.each(LISTS)(
      '$field: a later time leaves out the rows changed before it',
      async ({ field }) => {
        const res = await server.graphql<Record<string, Connection & { totalCount: number }>>(
          `{ ${field}(filter: { updatedSince: "${T2}" }) { totalCount nodes { id } } }`,
          {},
          platformAdmin,
        );
        expect(res.body.errors).toBeUndefined();
        // The rows left at the seed's own time (today) are after T2; those moved to T1 are not.
        const [{ n }] = await server.db.dataSource.query<[{ n: number }]>(
          `SELECT count(*)::int AS n FROM ${LISTS.find((l) => l.field === field)!.table}
          WHERE ${LISTS.find((l) => l.field === field)!.live} AND updated_at >= $1::timestamptz`,
          [T2],
        );
        expect(res.body.data![field]!.totalCount).toBe(n);
      },
    );

    it('a TJ admin gets TJ rows only, a KG key KG rows only, a pilot partner its project only', async () => {
      const since = `updatedSince: "${T1_MS}"`;
      const cases: [Auth, string, unknown[]][] = [
        [tjAdmin, 'tenant_id = $2', [SEED_IDS.tenants.TJ]],
        [kgReadKey, 'tenant_id = $2', [SEED_IDS.tenants.KG]],
        [tjPilotEditor, 'project_id = $2', [SEED_IDS.projects.tjPilot]],
      ];
      for (const [auth, where, params] of cases) {
        const expected = await ids(
          `SELECT id FROM activities WHERE deleted_at IS NULL AND updated_at >= $1::timestamptz
             AND ${where} ORDER BY date_trunc('milliseconds', updated_at), id`,
          [T1_MS, ...params],
        );
        expect(expected.length).toBeGreaterThan(0);
        expect(
          await allPages(
            'activities',
            `filter: { ${since} }, orderBy: { field: UPDATED_AT }`,
            auth,
          ),
        ).toEqual(expected);
      }
    });

    it('gives an outcome summary’s indicator its updatedAt too, to an analyst under an agreement', async () => {
      const analyst = await server.tokenFor('demo|un-analyst');
      const res = await server.graphql<{
        outcomeSummaries: { indicator: { code: string; updatedAt: string } }[];
      }>(
        `{ outcomeSummaries(filter: { tenants: ["TJ"], indicatorCodes: ["DV_PREVALENCE"] },
             groupBy: [TENANT, INDICATOR]) { indicator { code updatedAt } } }`,
        {},
        analyst,
      );
      expect(res.body.errors).toBeUndefined();
      const [row] = await server.db.dataSource.query<[{ updatedAt: Date }]>(
        `SELECT updated_at AS "updatedAt" FROM indicators WHERE id = $1`,
        [SEED_IDS.indicators.DV_PREVALENCE],
      );
      expect(res.body.data!.outcomeSummaries).toEqual([
        { indicator: { code: 'DV_PREVALENCE', updatedAt: row.updatedAt.toISOString() } },
      ]);
    });

    it('costs no more statements than the same list without it', async () => {
      const statementsOf = async (query: string) => {
        const before = server.statements.length;
        const res = await server.graphql(query, {}, tjAdmin);
        expect(res.body.errors).toBeUndefined();
        return server.statements[before];
      };
      const plain = await statementsOf(`{ activities(first: 5) { nodes { id } } }`);
      const since = await statementsOf(
        `{ activities(first: 5, filter: { updatedSince: "${T1_MS}", externalIds: ["kobo-tj-0001"] },
            orderBy: { field: UPDATED_AT }) { nodes { id } } }`,
      );
      expect(since).toBe(plain);
    });

    it('refuses a time that is not a DateTime', async () => {
      const res = await server.graphql(
        `query ($since: DateTime) { projects(filter: { updatedSince: $since }) { nodes { id } } }`,
        { since: 'yesterday' },
        tjAdmin,
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res.body)).not.toMatch(/SELECT|stack/i);
    });
  });

  describe('filter.externalIds', () => {
    const tjActivity = SEED_IDS.activities.tjTrainingOfTrainers; // LWD-TJ-A-0001
    const kgActivity = SEED_IDS.activities.kgImamsJanyJol;
    let tjMeasurement: string;
    let kgMeasurement: string;

    beforeAll(async () => {
      // The same externalId in two tenants (it is unique per tenant and recording organisation).
      await server.db.dataSource.query(
        `UPDATE activities SET external_id = 'LWD-TJ-A-0001' WHERE tenant_id = $1 AND id = $2`,
        [SEED_IDS.tenants.KG, kgActivity],
      );
      const tagFirstMeasurement = async (tenantId: string): Promise<string> => {
        const [first] = await ids(
          `SELECT id FROM measurements WHERE tenant_id = $1 AND deleted_at IS NULL
            ORDER BY id LIMIT 1`,
          [tenantId],
        );
        await server.db.dataSource.query(
          `UPDATE measurements SET external_id = 'odk-m-0001' WHERE tenant_id = $1 AND id = $2`,
          [tenantId, first],
        );
        return first!;
      };
      tjMeasurement = await tagFirstMeasurement(SEED_IDS.tenants.TJ);
      kgMeasurement = await tagFirstMeasurement(SEED_IDS.tenants.KG);
    });

    const lookUp = async (field: string, externalIds: string[], auth: Auth) => {
      const res = await server.graphql<
        Record<string, { nodes: { id: string; externalId: string }[] }>
      >(
        `query ($ids: [String!]) { ${field}(filter: { externalIds: $ids }) { nodes { id externalId } } }`,
        { ids: externalIds },
        auth,
      );
      expect(res.body.errors).toBeUndefined();
      return res.body.data![field]!.nodes.map((n) => n.id).sort();
    };

    it('finds a tenant admin its rows by their externalIds, surrounding spaces ignored', async () => {
      const [dialogue] = await ids(
        `SELECT id FROM activities WHERE tenant_id = $1 AND external_id = 'kobo-tj-0001'`,
        [SEED_IDS.tenants.TJ],
      );
      expect(await lookUp('activities', [' LWD-TJ-A-0001 ', 'kobo-tj-0001'], tjAdmin)).toEqual(
        [tjActivity, dialogue!].sort(),
      );
      expect(await lookUp('measurements', ['odk-m-0001'], tjAdmin)).toEqual([tjMeasurement]);
    });

    it('never answers with another tenant’s row of the same externalId', async () => {
      expect(await lookUp('activities', ['LWD-TJ-A-0001'], kgAdmin)).toEqual([kgActivity]);
      expect(await lookUp('activities', ['LWD-TJ-A-0001'], kgReadKey)).toEqual([kgActivity]);
      expect(await lookUp('measurements', ['odk-m-0001'], kgReadKey)).toEqual([kgMeasurement]);
      expect(await lookUp('activities', ['LWD-TJ-A-0001'], platformAdmin)).toEqual(
        [tjActivity, kgActivity].sort(),
      );
      expect(await lookUp('activities', ['LWD-TJ-A-0001'], { apiKey: server.devApiKey })).toEqual(
        [tjActivity, kgActivity].sort(),
      );
    });

    it('never answers a partner with a row of a project it does not work in', async () => {
      expect(await lookUp('activities', ['LWD-TJ-A-0001', 'kobo-tj-0001'], tjPilotEditor)).toEqual(
        [],
      );
      const pilot = await ids(
        `SELECT id FROM activities WHERE project_id = $1 AND external_id IS NOT NULL ORDER BY id`,
        [SEED_IDS.projects.tjPilot],
      );
      const pilotIds = await ids(
        `SELECT external_id AS id FROM activities WHERE id = ANY ($1::uuid[])`,
        [pilot],
      );
      expect(pilot.length).toBeGreaterThan(0);
      expect(await lookUp('activities', pilotIds, tjPilotEditor)).toEqual(pilot);
    });

    it('leaves out deleted rows (the changes feed sends their tombstones)', async () => {
      await server.db.dataSource.query(
        `UPDATE activities SET deleted_at = now() WHERE tenant_id = $1 AND id = $2`,
        [SEED_IDS.tenants.KG, kgActivity],
      );
      expect(await lookUp('activities', ['LWD-TJ-A-0001'], kgAdmin)).toEqual([]);
    });

    it.each([
      ['more than 100 ids', Array.from({ length: 101 }, (_, i) => `id-${i}`)],
      ['an id longer than 200 characters', ['x'.repeat(201)]],
    ])('refuses %s with BAD_USER_INPUT', async (_what, externalIds) => {
      const res = await server.graphql(
        `query ($ids: [String!]) { activities(filter: { externalIds: $ids }) { nodes { id } } }`,
        { ids: externalIds },
        tjAdmin,
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.data?.activities ?? null).toBeNull();
    });
  });
});
