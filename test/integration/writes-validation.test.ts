import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  CREATE_MEASUREMENT,
  errorOf,
  IDS,
  tjActivity,
  tjMeasurement,
  tokens,
  UPDATE_ACTIVITY,
} from '../helpers/writes';

// Every rule a write checks, each with a bad input and the exact code and field it must give.
describe('validation of writes', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  let countIndicator: string;
  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
    const res = await server.graphql<{ createIndicator: { id: string } }>(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'GROUPS_FORMED',
          name: 'Savings groups formed',
          unit: 'COUNT',
          direction: 'INCREASE_IS_BETTER',
        },
      },
      t.tjAdmin,
    );
    expect(res.body.errors).toBeUndefined();
    countIndicator = res.body.data!.createIndicator.id;
  });
  afterAll(() => server.close());

  const createActivity = (input: Record<string, unknown>, token = t.tjEditor) =>
    server.graphql(CREATE_ACTIVITY, { input }, token);
  const createMeasurement = (input: Record<string, unknown>, token = t.tjEditor) =>
    server.graphql(CREATE_MEASUREMENT, { input }, token);

  it('accepts a valid activity from a partner editor of the project', async () => {
    const res = await createActivity(tjActivity({ title: '  Trimmed title  ' }));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      createActivity: { title: 'Trimmed title', version: 1, participants: { total: 20 } },
    });
  });

  const activityCases: [string, Record<string, unknown>, string][] = [
    ['an end before the start', { startDate: '2024-05-03', endDate: '2024-05-01' }, 'endDate'],
    ['a start before the project', { startDate: '2020-01-01', endDate: null }, 'startDate'],
    ['an end after the project', { endDate: '2030-01-01' }, 'endDate'],
    ['a negative participant count', { participants: { female: -1 } }, 'participants.female'],
    ['more than 100,000 participants', { participants: { male: 100_001 } }, 'participants.male'],
    ['an empty title', { title: '   ' }, 'title'],
    ['a title over 300 characters', { title: 'я'.repeat(301) }, 'title'],
    ['a NUL in the title', { title: 'bad\u0000title' }, 'title'],
    ['a lone surrogate in the title', { title: 'bad\ud800title' }, 'title'],
    ['an externalId over 200 characters', { externalId: 'x'.repeat(201) }, 'externalId'],
    ['an unknown type', { type: 'PICNIC' }, 'type'],
    ['an unknown age band', { ageBand: 'TODDLERS' }, 'ageBand'],
    ['an impossible date', { startDate: '2024-02-30' }, 'startDate'],
    ['a missing title', { title: undefined }, 'title'],
    ['a community of another tenant', { communityId: IDS.communities.kgJanyJol }, 'communityId'],
    [
      'a community the project does not target',
      { communityId: IDS.communities.tjZarafshon },
      'communityId',
    ],
    [
      'an unknown facilitator',
      { facilitatorOrganisationId: '00000000-0000-4000-8000-000000000000' },
      'facilitatorOrganisationId',
    ],
    ['an unknown project', { projectId: '00000000-0000-4000-8000-000000000001' }, 'projectId'],
    ['a project of another tenant', { projectId: IDS.projects.KG }, 'projectId'],
  ];

  it.each(activityCases)('refuses an activity with %s', async (_name, overrides, field) => {
    const res = await createActivity(tjActivity(overrides));
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(res.body.data ?? null).toBeNull();
  });

  const measurementCases: [string, () => Record<string, unknown>, string][] = [
    ['a PERCENT above 100', () => ({ value: 100.5 }), 'value'],
    ['a negative PERCENT', () => ({ value: -0.1 }), 'value'],
    [
      'a negative CURRENCY',
      () => ({ indicatorId: IDS.indicators.FAMILY_SAVINGS, value: -5 }),
      'value',
    ],
    ['a fractional COUNT', () => ({ indicatorId: countIndicator, value: 2.5 }), 'value'],
    ['a negative COUNT', () => ({ indicatorId: countIndicator, value: -2 }), 'value'],
    ['more than 4 decimals', () => ({ value: 12.34567 }), 'value'],
    ['a day outside the project', () => ({ measuredOn: '2021-01-01' }), 'measuredOn'],
    ['a negative sample size', () => ({ sampleSize: -1 }), 'sampleSize'],
    ['an unknown period', () => ({ period: 'SOMETIME' }), 'period'],
    ['an unknown sex', () => ({ sex: 'X' }), 'sex'],
    ['a source over 1,000 characters', () => ({ source: 's'.repeat(1001) }), 'source'],
    [
      'an unknown indicator',
      () => ({ indicatorId: '00000000-0000-4000-8000-000000000002' }),
      'indicatorId',
    ],
    ['a non-numeric value', () => ({ value: 'many' }), 'value'],
  ];

  it.each(measurementCases)('refuses a measurement with %s', async (_name, overrides, field) => {
    const res = await createMeasurement(tjMeasurement(overrides()));
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('accepts values at the edges of their units', async () => {
    for (const input of [
      tjMeasurement({ value: 0 }),
      tjMeasurement({ value: 100 }),
      tjMeasurement({ indicatorId: countIndicator, value: 7 }),
      tjMeasurement({ indicatorId: IDS.indicators.FAMILY_SAVINGS, value: 1234.5678 }),
      tjMeasurement({ indicatorId: IDS.indicators.MENTAL_WELLBEING, value: -1.5 }),
    ]) {
      const res = await createMeasurement(input);
      expect(res.body.errors).toBeUndefined();
    }
  });

  it('refuses a duplicate externalId of the same organisation with CONFLICT', async () => {
    const first = await createActivity(tjActivity({ externalId: 'dup-1' }));
    expect(first.body.errors).toBeUndefined();
    const second = await createActivity(tjActivity({ externalId: 'dup-1' }));
    expect(errorOf(second)).toEqual({ code: 'CONFLICT', field: 'externalId' });
  });

  it('refuses a project with an end before its start', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'X-1',
          name: 'X',
          startDate: '2025-01-02',
          endDate: '2025-01-01',
        },
      },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'endDate' });
  });

  it('refuses a duplicate project code in a tenant with CONFLICT', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { tenantCode: 'TJ', code: 'LWD-TJ', name: 'Again', startDate: '2025-01-01' } },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'CONFLICT', field: 'code' });
  });

  it('refuses a community with a negative population', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          name: 'Навобод',
          region: 'Khatlon',
          district: 'Vose',
          settlement: 'RURAL',
          population: -3,
        },
      },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'population' });
  });

  it('refuses a community linked to a project of another tenant', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          name: 'Дӯстӣ',
          region: 'Khatlon',
          district: 'Vose',
          settlement: 'URBAN',
          projectIds: [IDS.projects.KG],
        },
      },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'projectIds' });
  });

  it('refuses an indicator code in lower case', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'bad code',
          name: 'x',
          unit: 'COUNT',
          direction: 'INCREASE_IS_BETTER',
        },
      },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'code' });
  });

  it('refuses to set a required field to null on update', async () => {
    const created = await createActivity(tjActivity());
    const { id } = (created.body.data as { createActivity: { id: string } }).createActivity;
    const res = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: null } },
      t.tjEditor,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'title' });
  });

  it('refuses an update that moves an activity outside the project', async () => {
    const created = await createActivity(tjActivity());
    const { id } = (created.body.data as { createActivity: { id: string } }).createActivity;
    const res = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, endDate: '2031-01-01' } },
      t.tjEditor,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'endDate' });
  });

  const CREATE_PROJECT = `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id version } }`;
  const project = (overrides: Record<string, unknown> = {}) => ({
    tenantCode: 'TJ',
    code: `P-${Math.random().toString(36).slice(2, 8)}`,
    name: 'Project',
    startDate: '2025-01-01',
    ...overrides,
  });

  const projectCases: [string, Record<string, unknown>, string][] = [
    ['a code over 50 characters', { code: 'C'.repeat(51) }, 'code'],
    ['an empty name', { name: '' }, 'name'],
    ['a NUL in the description', { description: 'a\u0000b' }, 'description'],
    ['an unknown status', { status: 'PAUSED' }, 'status'],
    [
      'an unknown partner',
      { partnerOrganisationIds: ['00000000-0000-4000-8000-0000000000ff'] },
      'partnerOrganisationIds',
    ],
    [
      'a community of another tenant',
      { communityIds: [IDS.communities.kgAkTerek] },
      'communityIds',
    ],
    ['a malformed id', { implementerOrganisationId: 'not-a-uuid' }, 'implementerOrganisationId'],
  ];

  it.each(projectCases)('refuses a project with %s', async (_name, overrides, field) => {
    const res = await server.graphql(CREATE_PROJECT, { input: project(overrides) }, t.tjAdmin);
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
  });

  it('refuses new project dates that would leave its activities outside', async () => {
    const res = await server.graphql(
      `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`,
      { input: { id: IDS.projects.TJ, expectedVersion: 1, startDate: '2024-12-01' } },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'startDate' });
  });

  it('refuses a stale or impossible expectedVersion', async () => {
    const res = await server.graphql(
      `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`,
      { input: { id: IDS.projects.TJ, expectedVersion: 0, name: 'x' } },
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'expectedVersion' });
  });

  it('refuses a community with an empty name or a huge population', async () => {
    const base = {
      tenantCode: 'TJ',
      name: 'Ok',
      region: 'Sughd',
      district: 'Khujand',
      settlement: 'URBAN',
    };
    for (const [overrides, field] of [
      [{ name: ' ' }, 'name'],
      [{ region: 'r'.repeat(201) }, 'region'],
      [{ households: 100_000_001 }, 'households'],
      [{ settlement: 'NOMADIC' }, 'settlement'],
    ] as const) {
      const res = await server.graphql(
        `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
        { input: { ...base, ...overrides } },
        t.tjAdmin,
      );
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('refuses an unknown indicator unit, and a unit change once values exist', async () => {
    const bad = await server.graphql(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'OK_CODE',
          name: 'x',
          unit: 'LITRES',
          direction: 'INCREASE_IS_BETTER',
        },
      },
      t.tjAdmin,
    );
    expect(errorOf(bad)).toEqual({ code: 'BAD_USER_INPUT', field: 'unit' });
    const measured = await createMeasurement(
      tjMeasurement({ indicatorId: countIndicator, value: 3 }),
    );
    expect(measured.body.errors).toBeUndefined();
    const change = await server.graphql(
      `mutation ($input: UpdateIndicatorInput!) { updateIndicator(input: $input) { id } }`,
      { input: { id: countIndicator, expectedVersion: 1, unit: 'PERCENT' } },
      t.tjAdmin,
    );
    expect(errorOf(change)).toEqual({ code: 'BAD_USER_INPUT', field: 'unit' });
  });

  it("refuses another tenant's own indicator", async () => {
    const kg = await server.graphql<{ createIndicator: { id: string } }>(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'KG',
          code: 'KG_ONLY',
          name: 'x',
          unit: 'COUNT',
          direction: 'INCREASE_IS_BETTER',
        },
      },
      t.kgAdmin,
    );
    expect(kg.body.errors).toBeUndefined();
    const res = await createMeasurement(
      tjMeasurement({ indicatorId: kg.body.data!.createIndicator.id, value: 1 }),
      t.tjAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'indicatorId' });
  });

  it('refuses a measurement with a sample size over 10,000,000 or a value beyond numeric(18,4)', async () => {
    const size = await createMeasurement(tjMeasurement({ sampleSize: 10_000_001 }));
    expect(errorOf(size)).toEqual({ code: 'BAD_USER_INPUT', field: 'sampleSize' });
    const huge = await createMeasurement(
      tjMeasurement({ indicatorId: IDS.indicators.MENTAL_WELLBEING, value: 1e15 }),
    );
    expect(errorOf(huge)).toEqual({ code: 'BAD_USER_INPUT', field: 'value' });
    const untargeted = await createMeasurement(
      tjMeasurement({ communityId: IDS.communities.tjZarafshon }),
    );
    expect(errorOf(untargeted)).toEqual({ code: 'BAD_USER_INPUT', field: 'communityId' });
  });

  it('names the item of an import whose enum value is unknown', async () => {
    const res = await server.graphql(
      `mutation ($input: ImportActivitiesInput!) { importActivities(input: $input) { applied } }`,
      {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: 'enum',
          items: [
            { ...tjActivity(), externalId: 'e-1' },
            { ...tjActivity({ type: 'PICNIC' }), externalId: 'e-2' },
          ],
        },
      },
      t.tjEditor,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'items.1.type' });
  });

  it('refuses an empty idempotency key', async () => {
    const res = await server.graphql(
      `mutation ($input: ImportActivitiesInput!) { importActivities(input: $input) { applied } }`,
      {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: ' ',
          items: [{ ...tjActivity(), externalId: 'k' }],
        },
      },
      t.tjEditor,
    );
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
  });
});
