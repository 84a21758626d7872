import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * The `filter` inputs of the read API through the real server: each filter returns exactly
 * the rows an independent query of the database selects. A few rows are added to the seed so
 * that every filter has something to tell apart (a planned and a closed project, an urban
 * community, a title with % and _, deleted rows, a tenant's own indicator).
 */

type Auth = string | { apiKey: string };
type Where = [sql: string, params?: unknown[]];

const T = SEED_IDS.tenants;
const P = SEED_IDS.projects;
const C = SEED_IDS.communities;
const O = SEED_IDS.organisations;
const I = SEED_IDS.indicators;

const FIXTURES = {
  plannedProject: 'f0000000-0005-4000-8000-000000000001',
  closedProject: 'f0000000-0005-4000-8000-000000000002',
  urbanCommunity: 'f0000000-0006-4000-8000-000000000001',
  percentActivity: 'f0000000-0007-4000-8000-000000000001',
  deletedActivity: 'f0000000-0007-4000-8000-000000000002',
  routineMeasurement: 'f0000000-0009-4000-8000-000000000001',
  deletedMeasurement: 'f0000000-0009-4000-8000-000000000002',
  kgIndicator: 'f0000000-0008-4000-8000-000000000001',
} as const;

const PERCENT_TITLE = 'Coverage check: 100% of_households visited — Навобод';
const DELETED_TITLE = 'Entered twice by mistake — Gulshan';

describe('filters', () => {
  let server: TestServer;
  let platformAdmin: string;
  let tjAdmin: string;

  const sql = <R>(text: string, params: unknown[] = []): Promise<R[]> =>
    server.db.dataSource.query<R[]>(text, params);

  beforeAll(async () => {
    server = await startTestServer();
    platformAdmin = await server.tokenFor('demo|platform-admin');
    tjAdmin = await server.tokenFor('demo|tj-admin');

    await sql(
      `INSERT INTO projects (tenant_id, id, code, name, status, start_date, end_date) VALUES
         ($1, $2, 'PLN-TJ', 'Savings groups for Sughd (planned)', 'PLANNED', '2026-09-01', NULL),
         ($3, $4, 'CLS-KG', 'Закрытый пилот: кризисная линия', 'CLOSED', '2021-01-01', '2021-12-31')`,
      [T.TJ, FIXTURES.plannedProject, T.KG, FIXTURES.closedProject],
    );
    await sql(
      `INSERT INTO communities (tenant_id, id, name, region, district, settlement, households, population)
       VALUES ($1, $2, 'Ош шаары, 5-микрорайон', 'Osh', 'Osh city', 'URBAN', 1200, 5100)`,
      [T.KG, FIXTURES.urbanCommunity],
    );
    await sql(
      `INSERT INTO project_communities (tenant_id, project_id, community_id) VALUES ($1, $2, $3)`,
      [T.KG, P.KG, FIXTURES.urbanCommunity],
    );
    await sql(
      `INSERT INTO activities (tenant_id, id, project_id, community_id, type, title, start_date,
         recorded_by_organisation_id, participants_female, deleted_at) VALUES
         ($1, $2, $3, $4, 'ADVOCACY_EVENT', $5, '2024-06-03', $6, 40, NULL),
         ($1, $7, $3, $8, 'COMMUNITY_DIALOGUE', $9, '2023-11-08', $6, 9, now())`,
      [
        T.TJ,
        FIXTURES.percentActivity,
        P.TJ,
        C.tjNavobod,
        PERCENT_TITLE,
        O.internationalAlert,
        FIXTURES.deletedActivity,
        C.tjGulshan,
        DELETED_TITLE,
      ],
    );
    await sql(
      `INSERT INTO measurements (tenant_id, id, indicator_id, project_id, community_id, period,
         measured_on, value, sample_size, recorded_by_organisation_id, deleted_at) VALUES
         ($1, $2, $3, $4, NULL, 'ROUTINE', '2024-05-20', 6.1, 80, $5, NULL),
         ($6, $7, $8, $9, $10, 'ENDLINE', '2026-06-17', 99, 50, $5, now())`,
      [
        T.KG,
        FIXTURES.routineMeasurement,
        I.COMMUNITY_COHESION,
        P.KG,
        O.internationalAlert,
        T.TJ,
        FIXTURES.deletedMeasurement,
        I.DV_PREVALENCE,
        P.TJ,
        C.tjGulshan,
      ],
    );
    await sql(
      `INSERT INTO indicators (id, tenant_id, code, name, unit, direction)
       VALUES ($1, $2, 'RELIGIOUS_LEADER_REACH', 'Religious leaders reached', 'COUNT', 'INCREASE_IS_BETTER')`,
      [FIXTURES.kgIndicator, T.KG],
    );
  });
  afterAll(() => server.close());

  /** Runs a filtered list (one page of up to 100) and checks it holds exactly `expected`. */
  async function expectFiltered(
    connection: string,
    filterType: string,
    filter: Record<string, unknown>,
    expected: string[],
    auth: Auth = platformAdmin,
  ): Promise<void> {
    const res = await server.graphql<
      Record<
        string,
        { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: { id: string }[] }
      >
    >(
      `query ($filter: ${filterType}) {
        ${connection}(first: 100, filter: $filter) { totalCount pageInfo { hasNextPage } nodes { id } }
      }`,
      { filter },
      auth,
    );
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data![connection]!;
    expect(page.totalCount).toBe(expected.length);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.nodes.map((node) => node.id).sort()).toEqual([...expected].sort());
  }

  /** Ids of `table`'s visible rows, optionally narrowed by SQL over the alias `x` and tenant `t`. */
  async function idsWhere(
    table: string,
    [where, params = []]: Where = ['true'],
  ): Promise<string[]> {
    const deleted = ['activities', 'measurements'].includes(table)
      ? 'x.deleted_at IS NULL AND '
      : '';
    const rows = await sql<{ id: string }>(
      `SELECT x.id FROM ${table} x LEFT JOIN tenants t ON t.id = x.tenant_id
       WHERE ${deleted}(${where})`,
      params,
    );
    return rows.map((row) => row.id);
  }

  /**
   * Checks a filter against SQL that selects the same rows, and that the filter tells rows
   * apart: it matches some of them, not all.
   */
  async function expectFilterToSelect(
    table: string,
    connection: string,
    filterType: string,
    filter: Record<string, unknown>,
    where: Where,
  ): Promise<void> {
    const expected = await idsWhere(table, where);
    const all = await idsWhere(table);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
    await expectFiltered(connection, filterType, filter, expected);
  }

  /** Checks a text search against a case-insensitive "contains", computed here in JavaScript. */
  async function expectSearch(
    table: string,
    connection: string,
    filterType: string,
    columns: string[],
    search: string,
    auth: Auth = platformAdmin,
  ): Promise<string[]> {
    const rows = await sql<Record<string, string>>(
      `SELECT x.id, ${columns.map((c) => `x.${c}`).join(', ')} FROM ${table} x
       WHERE ${['activities', 'measurements'].includes(table) ? 'x.deleted_at IS NULL' : 'true'}`,
    );
    const needle = search.trim().toLowerCase();
    const expected = rows
      .filter((row) => columns.some((column) => row[column]!.toLowerCase().includes(needle)))
      .map((row) => row.id!);
    await expectFiltered(connection, filterType, { search }, expected, auth);
    return expected;
  }

  describe('activities', () => {
    it.each<[string, Record<string, unknown>, Where]>([
      ['one tenant code', { tenantCodes: ['KG'] }, [`t.code = 'KG'`]],
      ['tenant codes in lower case', { tenantCodes: ['tj', 'uz'] }, [`t.code IN ('TJ', 'UZ')`]],
      ['a project', { projectIds: [P.tjPilot] }, ['x.project_id = $1', [P.tjPilot]]],
      [
        'two communities',
        { communityIds: [C.tjNavobod, C.tjGulshan] },
        ['x.community_id = ANY ($1::uuid[])', [[C.tjNavobod, C.tjGulshan]]],
      ],
      [
        'one type',
        { types: ['RELIGIOUS_LEADER_SESSION'] },
        [`x.type = 'RELIGIOUS_LEADER_SESSION'`],
      ],
      ['two types', { types: ['TRAINING', 'REFERRAL'] }, [`x.type IN ('TRAINING', 'REFERRAL')`]],
      ['a first day', { from: '2024-01-01' }, [`x.start_date >= '2024-01-01'`]],
      ['a last day, inclusive', { to: '2023-02-15' }, [`x.start_date <= '2023-02-15'`]],
      [
        'a date range',
        { from: '2023-01-01', to: '2023-12-31' },
        [`x.start_date BETWEEN '2023-01-01' AND '2023-12-31'`],
      ],
      [
        'a range of one day',
        { from: '2023-08-04', to: '2023-08-04' },
        [`x.start_date = '2023-08-04'`],
      ],
      [
        'tenant, type and first day together',
        { tenantCodes: ['TJ'], types: ['COMMUNITY_DIALOGUE', 'REFERRAL'], from: '2023-01-01' },
        [
          `t.code = 'TJ' AND x.type IN ('COMMUNITY_DIALOGUE', 'REFERRAL') AND x.start_date >= '2023-01-01'`,
        ],
      ],
    ])('filtered by %s are exactly the matching rows', async (_name, filter, where) => {
      await expectFilterToSelect('activities', 'activities', 'ActivityFilter', filter, where);
    });

    it.each<[string, Record<string, unknown>]>([
      ['an unknown tenant code', { tenantCodes: ['XX'] }],
      ['an unknown project', { projectIds: ['00000000-0000-4000-8000-000000000000'] }],
      ['a first day in the future', { from: '2099-01-01' }],
      ['a range that ends before it starts', { from: '2024-01-01', to: '2023-01-01' }],
    ])('filtered by %s are none', async (_name, filter) => {
      await expectFiltered('activities', 'ActivityFilter', filter, []);
    });

    it.each([
      ['Latin text in lower case', 'gulshan'],
      ['Latin text in upper case', 'GULSHAN'],
      ['Tajik Cyrillic in upper case', 'НАВОБОД'],
      ['Tajik letters ӯ and ӣ in lower case', 'дӯстӣ'],
      ['Kyrgyz Cyrillic in upper case', 'ЗОМБУЛУК'],
      ['Russian Cyrillic in mixed case', 'тРЕНИНГ'],
      ['surrounding spaces', '  Gulshan  '],
    ])('searched for %s match titles case-insensitively', async (_name, search) => {
      const found = await expectSearch(
        'activities',
        'activities',
        'ActivityFilter',
        ['title'],
        search,
      );
      expect(found.length).toBeGreaterThan(0);
    });

    it('a % in a search is a literal percent sign, not a wildcard', async () => {
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], '%'),
      ).toEqual([FIXTURES.percentActivity]);
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], '100%'),
      ).toEqual([FIXTURES.percentActivity]);
      // As a wildcard, 'Gulsh%' would match every title with Gulshan in it.
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], 'Gulsh%'),
      ).toEqual([]);
      expect(
        (await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], 'Gulsh'))
          .length,
      ).toBeGreaterThan(0);
    });

    it('an _ in a search is a literal underscore, not a wildcard', async () => {
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], '_'),
      ).toEqual([FIXTURES.percentActivity]);
      expect(
        await expectSearch(
          'activities',
          'activities',
          'ActivityFilter',
          ['title'],
          'of_households',
        ),
      ).toEqual([FIXTURES.percentActivity]);
      // As a wildcard, 'Gulsh_n' would match 'Gulshan'.
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], 'Gulsh_n'),
      ).toEqual([]);
    });

    it('a backslash in a search is literal too', async () => {
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], '\\'),
      ).toEqual([]);
      expect(
        await expectSearch('activities', 'activities', 'ActivityFilter', ['title'], 'Gulsh\\an'),
      ).toEqual([]);
    });

    it('a deleted activity is never listed, found or looked up', async () => {
      expect(await idsWhere('activities')).not.toContain(FIXTURES.deletedActivity);
      await expectFiltered('activities', 'ActivityFilter', { search: 'Entered twice' }, []);
      const res = await server.graphql<{ activity: unknown }>(
        'query ($id: UUID!) { activity(id: $id) { id } }',
        { id: FIXTURES.deletedActivity },
        platformAdmin,
      );
      expect(res.body).toEqual({ data: { activity: null } });
    });

    it("a TJ admin's tenant codes narrow what it sees, never widen it", async () => {
      const tj = await idsWhere('activities', [`t.code = 'TJ'`]);
      await expectFiltered('activities', 'ActivityFilter', { tenantCodes: ['KG'] }, [], tjAdmin);
      await expectFiltered(
        'activities',
        'ActivityFilter',
        { tenantCodes: ['TJ', 'KG'] },
        tj,
        tjAdmin,
      );
    });
  });

  describe('projects', () => {
    it.each<[string, Record<string, unknown>, Where]>([
      ['one status', { status: ['PLANNED'] }, [`x.status = 'PLANNED'`]],
      ['two statuses', { status: ['ACTIVE', 'CLOSED'] }, [`x.status IN ('ACTIVE', 'CLOSED')`]],
      ['a tenant code', { tenantCodes: ['TJ'] }, [`t.code = 'TJ'`]],
      [
        'a status in a tenant',
        { status: ['ACTIVE'], tenantCodes: ['KG'] },
        [`x.status = 'ACTIVE' AND t.code = 'KG'`],
      ],
      [
        'an organisation taking part',
        { organisationIds: [O.tjFamilyCentre] },
        [
          `EXISTS (SELECT 1 FROM project_organisations po
             WHERE po.tenant_id = x.tenant_id AND po.project_id = x.id AND po.organisation_id = $1)`,
          [O.tjFamilyCentre],
        ],
      ],
    ])('filtered by %s are exactly the matching rows', async (_name, filter, where) => {
      await expectFilterToSelect('projects', 'projects', 'ProjectFilter', filter, where);
    });

    it.each([
      ['a word of the name in lower case', 'dignity'],
      ['a code in lower case', 'lwd-kg'],
      ['Russian Cyrillic in upper case', 'ЗАКРЫТЫЙ'],
    ])('searched for %s match names and codes case-insensitively', async (_name, search) => {
      const found = await expectSearch(
        'projects',
        'projects',
        'ProjectFilter',
        ['name', 'code'],
        search,
      );
      expect(found.length).toBeGreaterThan(0);
    });
  });

  describe('communities', () => {
    it.each<[string, Record<string, unknown>, Where]>([
      ['urban settlement', { settlement: 'URBAN' }, [`x.settlement = 'URBAN'`]],
      ['rural settlement', { settlement: 'RURAL' }, [`x.settlement = 'RURAL'`]],
      ['a region', { region: 'Khatlon' }, [`x.region = 'Khatlon'`]],
      ['a district', { district: 'Vose' }, [`x.district = 'Vose'`]],
      [
        'a region and settlement',
        { region: 'Osh', settlement: 'RURAL' },
        [`x.region = 'Osh' AND x.settlement = 'RURAL'`],
      ],
      ['a tenant code', { tenantCodes: ['KG'] }, [`t.code = 'KG'`]],
      [
        'a project targeting them',
        { projectIds: [P.KG] },
        [
          `EXISTS (SELECT 1 FROM project_communities pc
             WHERE pc.tenant_id = x.tenant_id AND pc.community_id = x.id AND pc.project_id = $1)`,
          [P.KG],
        ],
      ],
    ])('filtered by %s are exactly the matching rows', async (_name, filter, where) => {
      await expectFilterToSelect('communities', 'communities', 'CommunityFilter', filter, where);
    });

    it.each([
      ['Kyrgyz letters ң in lower case', 'жаңы'],
      ['Uzbek Cyrillic ҳ in upper case', 'НАВБАҲОР'],
      ['Latin text in lower case', 'zarafshon'],
      ['Russian Cyrillic across a comma', 'ШААРЫ, 5'],
    ])('searched for %s match names case-insensitively', async (_name, search) => {
      const found = await expectSearch(
        'communities',
        'communities',
        'CommunityFilter',
        ['name'],
        search,
      );
      expect(found.length).toBeGreaterThan(0);
    });
  });

  describe('measurements', () => {
    const indicatorCodeIn = (codes: string[]): Where => [
      'x.indicator_id IN (SELECT id FROM indicators WHERE code = ANY ($1::text[]))',
      [codes],
    ];

    it.each<[string, Record<string, unknown>, Where]>([
      [
        'one indicator code',
        { indicatorCodes: ['DV_PREVALENCE'] },
        indicatorCodeIn(['DV_PREVALENCE']),
      ],
      [
        'two indicator codes',
        { indicatorCodes: ['FAMILY_SAVINGS', 'MENTAL_WELLBEING'] },
        indicatorCodeIn(['FAMILY_SAVINGS', 'MENTAL_WELLBEING']),
      ],
      ['one period', { periods: ['BASELINE'] }, [`x.period = 'BASELINE'`]],
      ['two periods', { periods: ['ENDLINE', 'ROUTINE'] }, [`x.period IN ('ENDLINE', 'ROUTINE')`]],
      ['a first day', { from: '2023-01-01' }, [`x.measured_on >= '2023-01-01'`]],
      ['a last day, inclusive', { to: '2022-06-15' }, [`x.measured_on <= '2022-06-15'`]],
      [
        'a date range',
        { from: '2024-01-01', to: '2024-12-31' },
        [`x.measured_on BETWEEN '2024-01-01' AND '2024-12-31'`],
      ],
      ['a community', { communityIds: [C.tjNavobod] }, ['x.community_id = $1', [C.tjNavobod]]],
      ['a project', { projectIds: [P.KG] }, ['x.project_id = $1', [P.KG]]],
      ['a tenant code', { tenantCodes: ['TJ'] }, [`t.code = 'TJ'`]],
      [
        'indicator, period and community together',
        { indicatorCodes: ['DV_PREVALENCE'], periods: ['ENDLINE'], communityIds: [C.tjGulshan] },
        [
          `x.indicator_id = $1 AND x.period = 'ENDLINE' AND x.community_id = $2`,
          [I.DV_PREVALENCE, C.tjGulshan],
        ],
      ],
    ])('filtered by %s are exactly the matching rows', async (_name, filter, where) => {
      await expectFilterToSelect(
        'measurements',
        'measurements',
        'MeasurementFilter',
        filter,
        where,
      );
    });

    it('a deleted measurement is never listed', async () => {
      await expectFiltered(
        'measurements',
        'MeasurementFilter',
        { indicatorCodes: ['DV_PREVALENCE'], periods: ['ENDLINE'], communityIds: [C.tjGulshan] },
        await idsWhere('measurements', [
          `x.indicator_id = $1 AND x.period = 'ENDLINE' AND x.community_id = $2`,
          [I.DV_PREVALENCE, C.tjGulshan],
        ]),
      );
      expect(await idsWhere('measurements')).not.toContain(FIXTURES.deletedMeasurement);
    });
  });

  describe('indicators', () => {
    it.each<[string, Record<string, unknown>, Where]>([
      [
        'two codes',
        { codes: ['DV_PREVALENCE', 'FAMILY_SAVINGS'] },
        [`x.code IN ('DV_PREVALENCE', 'FAMILY_SAVINGS')`],
      ],
      [
        "a tenant's own code",
        { codes: ['RELIGIOUS_LEADER_REACH'] },
        [`x.code = 'RELIGIOUS_LEADER_REACH'`],
      ],
      [
        'a tenant without its own indicators',
        { tenantCodes: ['TJ'] },
        ['x.tenant_id IS NULL OR t.code = $1', ['TJ']],
      ],
    ])('filtered by %s are exactly the matching rows', async (_name, filter, where) => {
      await expectFilterToSelect('indicators', 'indicators', 'IndicatorFilter', filter, where);
    });

    it('filtered by a tenant with its own indicators are the global ones and its own', async () => {
      await expectFiltered(
        'indicators',
        'IndicatorFilter',
        { tenantCodes: ['KG'] },
        await idsWhere('indicators', ['x.tenant_id IS NULL OR t.code = $1', ['KG']]),
      );
    });

    it('searched for a word in lower case match names and codes case-insensitively', async () => {
      const found = await expectSearch(
        'indicators',
        'indicators',
        'IndicatorFilter',
        ['name', 'code'],
        'savings',
      );
      expect(found.length).toBeGreaterThan(0);
    });

    it("a TJ admin does not see KG's own indicator, even by its code", async () => {
      await expectFiltered(
        'indicators',
        'IndicatorFilter',
        { codes: ['RELIGIOUS_LEADER_REACH'] },
        [],
        tjAdmin,
      );
    });
  });

  describe('filter values out of bounds', () => {
    it.each([
      ['activities', 'ActivityFilter'],
      ['projects', 'ProjectFilter'],
      ['communities', 'CommunityFilter'],
      ['indicators', 'IndicatorFilter'],
    ])(
      '%s: a search longer than 200 characters is BAD_USER_INPUT on filter.search',
      async (connection, type) => {
        const ok = await server.graphql(
          `query ($filter: ${type}) { ${connection}(filter: $filter) { totalCount } }`,
          { filter: { search: 'ы'.repeat(200) } },
          platformAdmin,
        );
        expect(ok.body.errors).toBeUndefined();
        const res = await server.graphql(
          `query ($filter: ${type}) { ${connection}(filter: $filter) { totalCount } }`,
          { filter: { search: 'ы'.repeat(201) } },
          platformAdmin,
        );
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors![0]!.extensions).toEqual({
          code: 'BAD_USER_INPUT',
          field: 'filter.search',
        });
      },
    );

    it('more than 100 project ids is BAD_USER_INPUT on filter.projectIds', async () => {
      const projectIds = Array.from(
        { length: 101 },
        (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      );
      const res = await server.graphql(
        'query ($filter: ActivityFilter) { activities(filter: $filter) { totalCount } }',
        { filter: { projectIds } },
        platformAdmin,
      );
      expect(res.body.errors?.[0]?.extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'filter.projectIds',
      });
    });

    it('an impossible date is a client error, not a server error', async () => {
      const res = await server.graphql(
        'query ($filter: ActivityFilter) { activities(filter: $filter) { totalCount } }',
        { filter: { from: '2023-13-45' } },
        platformAdmin,
      );
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });
});
