import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  CREATE_MEASUREMENT,
  DELETE_ACTIVITY,
  errorOf,
  IDS,
  tjActivity,
  tjMeasurement,
  tokens,
  UPDATE_ACTIVITY,
} from '../helpers/writes';

const A = IDS.activities;

describe('who may write which rows', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
  });
  afterAll(() => server.close());

  type Row = { title: string; version: number; deleted_at: Date | null; updated_by: string | null };
  const rowOf = async (id: string): Promise<Row | undefined> =>
    (
      await server.db.dataSource.query<Row[]>(
        `SELECT title, version, deleted_at, updated_by FROM activities WHERE id = $1`,
        [id],
      )
    )[0];

  /** Tries to create in, update and delete a row of a project the caller may not write. */
  async function expectUntouchable(token: string, projectId: string, activityId: string) {
    const before = await rowOf(activityId);
    const create = await server.graphql(
      CREATE_ACTIVITY,
      {
        input: tjActivity({ projectId, communityId: null, startDate: '2025-06-01', endDate: null }),
      },
      token,
    );
    expect(errorOf(create)?.code).toMatch(/^(BAD_USER_INPUT|FORBIDDEN)$/);
    const update = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id: activityId, expectedVersion: before!.version, title: 'Hijacked' } },
      token,
    );
    expect(errorOf(update)?.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
    const remove = await server.graphql(
      DELETE_ACTIVITY,
      { input: { id: activityId, expectedVersion: before!.version } },
      token,
    );
    expect(errorOf(remove)?.code).toMatch(/^(NOT_FOUND|FORBIDDEN)$/);
    expect(await rowOf(activityId)).toEqual(before);
    const created = await server.db.dataSource.query<unknown[]>(
      `SELECT 1 FROM activities WHERE project_id = $1 AND created_by LIKE 'user:%'`,
      [projectId],
    );
    expect(created).toHaveLength(0);
  }

  it("a partner editor cannot touch another partner's project of the same tenant", async () => {
    await expectUntouchable(t.tjPilotEditor, IDS.projects.TJ, A.tjDialogueNavobod);
  });

  it("a partner editor of the pilot does not even learn the main project's rows exist", async () => {
    const res = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id: A.tjDialogueNavobod, expectedVersion: 1, title: 'x' } },
      t.tjPilotEditor,
    );
    expect(errorOf(res)?.code).toBe('NOT_FOUND');
  });

  it("a TJ partner editor cannot touch KG rows, even by passing KG's ids", async () => {
    await expectUntouchable(t.tjEditor, IDS.projects.KG, A.kgImamsJanyJol);
  });

  it('a KG admin cannot touch TJ rows', async () => {
    await expectUntouchable(t.kgAdmin, IDS.projects.TJ, A.tjTrainingOfTrainers);
    const project = await server.graphql(
      `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`,
      { input: { id: IDS.projects.TJ, expectedVersion: 1, name: 'Renamed' } },
      t.kgAdmin,
    );
    expect(errorOf(project)?.code).toBe('NOT_FOUND');
  });

  it('a partner viewer writes nothing', async () => {
    const res = await server.graphql(CREATE_ACTIVITY, { input: tjActivity() }, t.tjViewer);
    expect(errorOf(res)?.code).toBe('FORBIDDEN');
  });

  it('a partner editor cannot write projects, communities or indicators', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      { input: { tenantCode: 'TJ', code: 'P-X', name: 'X', startDate: '2025-01-01' } },
      t.tjEditor,
    );
    expect(errorOf(res)?.code).toBe('FORBIDDEN');
  });

  it('a tenant admin cannot create in another tenant by naming it', async () => {
    const res = await server.graphql(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
      {
        input: { tenantCode: 'KG', name: 'X', region: 'Osh', district: 'Osh', settlement: 'URBAN' },
      },
      t.tjAdmin,
    );
    expect(errorOf(res)?.code).toBe('FORBIDDEN');
    const rows = await server.db.dataSource.query<unknown[]>(
      `SELECT 1 FROM communities WHERE name = 'X'`,
    );
    expect(rows).toHaveLength(0);
  });

  it('an API key records for its organisation, and is audited as the key', async () => {
    const res = await server.graphql<{ createMeasurement: { id: string } }>(
      CREATE_MEASUREMENT,
      { input: tjMeasurement({ externalId: 'key-1' }) },
      { apiKey: server.devApiKey },
    );
    expect(res.body.errors).toBeUndefined();
    const id = res.body.data!.createMeasurement.id;
    const [row] = await server.db.dataSource.query<Record<string, string>[]>(
      `SELECT m.recorded_by_organisation_id AS org, m.created_by, e.principal_kind, e.organisation_id
         FROM measurements m JOIN audit_events e ON e.tenant_id = m.tenant_id AND e.entity_id = m.id::text
        WHERE m.id = $1`,
      [id],
    );
    expect(row).toMatchObject({
      org: IDS.organisations.internationalAlert,
      principal_kind: 'API_KEY',
      organisation_id: IDS.organisations.internationalAlert,
    });
    expect(row?.created_by).toMatch(/^apikey:/);
  });

  it('Unicode names round-trip byte for byte', async () => {
    const titles = [
      'Омӯзиши оилавӣ дар деҳаи Дӯстӣ', // Tajik
      'Жаңы-Жол айылындагы диний лидерлер менен сессия', // Kyrgyz
      'Oʻzbekiston: ayollar huquqi boʻyicha uchrashuv', // Uzbek Latin
      'Ўзбекистон: аёллар ҳуқуқи бўйича учрашув', // Uzbek Cyrillic
      'Тренинг по профилактике насилия в семье', // Russian
      'Savings group 💰👩‍👩‍👧 🇹🇯', // emoji, ZWJ sequence, flag
      'Decomposed: e\u0301 a\u0308 \u0438\u0306', // combining marks, not normalised
    ];
    for (const title of titles) {
      const res = await server.graphql<{ createActivity: { id: string; title: string } }>(
        CREATE_ACTIVITY,
        { input: tjActivity({ title, externalId: `ü-${title}`.slice(0, 200) }) },
        t.tjEditor,
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createActivity.title).toBe(title);
      const [row] = await server.db.dataSource.query<{ title: string; external_id: string }[]>(
        `SELECT title, external_id FROM activities WHERE id = $1`,
        [res.body.data!.createActivity.id],
      );
      expect(Buffer.from(row!.title, 'utf8').equals(Buffer.from(title, 'utf8'))).toBe(true);
      expect(row!.external_id).toBe(`ü-${title}`.slice(0, 200));
      const read = await server.graphql<{ activity: { title: string } }>(
        `query ($id: UUID!) { activity(id: $id) { title } }`,
        { id: res.body.data!.createActivity.id },
        t.tjAdmin,
      );
      expect(read.body.data!.activity.title).toBe(title);
    }
  });
});

// With shield and the read scoping off, the KG project is hidden from a TJ principal by
// row-level security alone; the write conditions (built from the grants) still apply.
describe('writes with the permission layer and the read scoping switched off', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  beforeAll(async () => {
    server = await startTestServer({ unsafeTestLayers: { shield: false, scopedSql: false } });
    t = await tokens(server);
  });
  afterAll(() => server.close());

  it('a TJ editor still cannot create or change KG rows', async () => {
    const [before] = await server.db.dataSource.query<{ version: number; title: string }[]>(
      `SELECT version, title FROM activities WHERE id = $1`,
      [A.kgImamsJanyJol],
    );
    const update = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id: A.kgImamsJanyJol, expectedVersion: before!.version, title: 'Hijacked' } },
      t.tjEditor,
    );
    expect(errorOf(update)?.code).toBe('NOT_FOUND');
    const create = await server.graphql(
      CREATE_ACTIVITY,
      {
        input: tjActivity({
          projectId: IDS.projects.KG,
          communityId: null,
          startDate: '2025-06-01',
          endDate: null,
        }),
      },
      t.tjEditor,
    );
    expect(errorOf(create)).toEqual({ code: 'BAD_USER_INPUT', field: 'projectId' });
    const [after] = await server.db.dataSource.query<{ version: number; title: string }[]>(
      `SELECT version, title FROM activities WHERE id = $1`,
      [A.kgImamsJanyJol],
    );
    expect(after).toEqual(before);
  });
});
