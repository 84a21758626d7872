import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  CREATE_MEASUREMENT,
  DELETE_ACTIVITY,
  errorOf,
  IDS,
  RESTORE_ACTIVITY,
  tjActivity,
  tjMeasurement,
  tokens,
  UPDATE_ACTIVITY,
} from '../helpers/writes';

describe('deleting, restoring and auditing rows', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
  });
  afterAll(() => server.close());

  const sql = <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    server.db.dataSource.query(text, params);

  async function create(input = tjActivity()): Promise<string> {
    const res = await server.graphql<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      { input },
      t.tjEditor,
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createActivity.id;
  }

  it('soft-deletes an activity: hidden from reads, restorable by an admin', async () => {
    const id = await create();
    const deleted = await server.graphql(
      DELETE_ACTIVITY,
      { input: { id, expectedVersion: 1 } },
      t.tjEditor,
    );
    expect(deleted.body.errors).toBeUndefined();
    const read = await server.graphql<{ activity: unknown }>(
      `query ($id: UUID!) { activity(id: $id) { id } }`,
      { id },
      t.tjAdmin,
    );
    expect(read.body.data?.activity).toBeNull();
    const [row] = await sql<{ deleted_at: Date | null }>(
      `SELECT deleted_at FROM activities WHERE id = $1`,
      [id],
    );
    expect(row?.deleted_at).toBeInstanceOf(Date);

    // An editor may delete but not restore.
    const byEditor = await server.graphql(
      RESTORE_ACTIVITY,
      { input: { id, expectedVersion: 2 } },
      t.tjEditor,
    );
    expect(errorOf(byEditor)?.code).toBe('FORBIDDEN');
    const restored = await server.graphql(
      RESTORE_ACTIVITY,
      { input: { id, expectedVersion: 2 } },
      t.tjAdmin,
    );
    expect(restored.body.data).toEqual({ restoreActivity: { id, version: 3 } });
    const again = await server.graphql<{ activity: { id: string } }>(
      `query ($id: UUID!) { activity(id: $id) { id } }`,
      { id },
      t.tjEditor,
    );
    expect(again.body.data?.activity).toEqual({ id });

    const actions = await sql<{ action: string }>(
      `SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY occurred_at`,
      [id],
    );
    expect(actions.map((a) => a.action)).toEqual(['CREATE', 'DELETE', 'RESTORE']);
  });

  it('soft-deletes a measurement', async () => {
    const res = await server.graphql<{ createMeasurement: { id: string } }>(
      CREATE_MEASUREMENT,
      { input: tjMeasurement() },
      t.tjEditor,
    );
    const id = res.body.data!.createMeasurement.id;
    const deleted = await server.graphql(
      `mutation ($input: DeleteProjectRowInput!) { deleteMeasurement(input: $input) { id } }`,
      { input: { id, expectedVersion: 1 } },
      t.tjEditor,
    );
    expect(deleted.body.errors).toBeUndefined();
    const list = await server.graphql<{ measurements: { nodes: { id: string }[] } }>(
      `{ measurements(first: 100) { nodes { id } } }`,
      {},
      t.tjAdmin,
    );
    expect(list.body.data?.measurements.nodes.map((n) => n.id)).not.toContain(id);
  });

  it('records the audit row in the same transaction: who, which organisation, the diff, the request', async () => {
    const id = await create(tjActivity({ title: 'Before' }));
    const res = await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: 'After' } },
      t.tjEditor,
      { 'x-request-id': 'audit-test-request' },
    );
    expect(res.body.errors).toBeUndefined();
    const [event] = await sql<Record<string, unknown>>(
      `SELECT principal_kind, principal_id, organisation_id, request_id, client_request_id, before,
              after, tenant_id
         FROM audit_events WHERE entity_id = $1 AND action = 'UPDATE'`,
      [id],
    );
    expect(event).toEqual({
      principal_kind: 'USER',
      principal_id: IDS.users.tjEditor,
      organisation_id: IDS.organisations.tjWomenRights,
      // The server's id (sent back in the header); the client's own kept apart.
      request_id: res.headers.get('x-request-id'),
      client_request_id: 'audit-test-request',
      before: { title: 'Before' },
      after: { title: 'After' },
      tenant_id: IDS.tenants.TJ,
    });
    const [row] = await sql<{ updated_by: string; recorded_by_organisation_id: string }>(
      `SELECT updated_by, recorded_by_organisation_id FROM activities WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({
      updated_by: `user:${IDS.users.tjEditor}`,
      recorded_by_organisation_id: IDS.organisations.tjWomenRights,
    });
  });

  it('leaves no audit row behind a write that failed', async () => {
    const before = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events`);
    // The second mutation fails, so the request's transaction (and the first's audit row) is rolled back.
    const res = await server.graphql(
      `mutation ($a: CreateActivityInput!, $b: CreateActivityInput!) {
        a: createActivity(input: $a) { id }
        b: createActivity(input: $b) { id }
      }`,
      { a: tjActivity({ title: 'Rolled back' }), b: tjActivity({ endDate: '2001-01-01' }) },
      t.tjEditor,
    );
    expect(errorOf(res)?.code).toBe('BAD_USER_INPUT');
    const after = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events`);
    expect(after[0]!.n).toBe(before[0]!.n);
    const rows = await sql(`SELECT 1 FROM activities WHERE title = 'Rolled back'`);
    expect(rows).toHaveLength(0);
  });

  it('refuses to delete a project, community or indicator that rows still refer to', async () => {
    const projectVersion = (
      await sql<{ version: number }>(`SELECT version FROM projects WHERE id = $1`, [
        IDS.projects.TJ,
      ])
    )[0]!.version;
    const project = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteProject(input: $input) { id } }`,
      { input: { id: IDS.projects.TJ, expectedVersion: projectVersion } },
      t.tjAdmin,
    );
    expect(errorOf(project)?.code).toBe('CONFLICT');
    const community = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteCommunity(input: $input) { id } }`,
      { input: { id: IDS.communities.tjNavobod, expectedVersion: 1 } },
      t.tjAdmin,
    );
    expect(errorOf(community)?.code).toBe('CONFLICT');
    // A global indicator is never writable through the API.
    const indicator = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteIndicator(input: $input) { id } }`,
      { input: { id: IDS.indicators.DV_PREVALENCE, expectedVersion: 1 } },
      t.tjAdmin,
    );
    expect(errorOf(indicator)?.code).toBe('FORBIDDEN');
    const left = await sql(
      `SELECT 1 FROM projects WHERE id = $1 UNION ALL SELECT 1 FROM communities WHERE id = $2
       UNION ALL SELECT 1 FROM indicators WHERE id = $3`,
      [IDS.projects.TJ, IDS.communities.tjNavobod, IDS.indicators.DV_PREVALENCE],
    );
    expect(left).toHaveLength(3);
  });

  it('creates, updates and deletes an unreferenced project, community and indicator', async () => {
    const community = await server.graphql<{ createCommunity: { id: string; version: number } }>(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id version } }`,
      {
        input: {
          tenantCode: 'TJ',
          name: 'Ромит',
          region: 'RRS',
          district: 'Vahdat',
          settlement: 'RURAL',
        },
      },
      t.tjAdmin,
    );
    expect(community.body.errors).toBeUndefined();
    const project = await server.graphql<{
      createProject: { id: string; partners: { id: string }[]; implementer: { id: string } };
    }>(
      `mutation ($input: CreateProjectInput!) {
        createProject(input: $input) { id partners { id } implementer { id } communities { nodes { id } } }
      }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'NEW-1',
          name: 'New project',
          startDate: '2025-01-01',
          partnerOrganisationIds: [IDS.organisations.tjFamilyCentre],
          communityIds: [community.body.data!.createCommunity.id],
        },
      },
      t.tjAdmin,
    );
    expect(project.body.errors).toBeUndefined();
    expect(project.body.data?.createProject.implementer.id).toBe(
      IDS.organisations.internationalAlert,
    );
    const projectId = project.body.data!.createProject.id;

    const updated = await server.graphql<{ updateProject: { status: string; version: number } }>(
      `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { status version } }`,
      { input: { id: projectId, expectedVersion: 1, status: 'ACTIVE' } },
      t.tjAdmin,
    );
    expect(updated.body.data?.updateProject).toEqual({ status: 'ACTIVE', version: 2 });

    // The partner now records for it.
    const activity = await server.graphql(
      CREATE_ACTIVITY,
      {
        input: tjActivity({
          projectId,
          communityId: community.body.data!.createCommunity.id,
          startDate: '2025-02-01',
          endDate: null,
        }),
      },
      t.tjPilotEditor,
    );
    expect(activity.body.errors).toBeUndefined();

    const indicator = await server.graphql<{ createIndicator: { id: string } }>(
      `mutation ($input: CreateIndicatorInput!) { createIndicator(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'TEMP',
          name: 'Temp',
          unit: 'INDEX',
          direction: 'INCREASE_IS_BETTER',
        },
      },
      t.tjAdmin,
    );
    const gone = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteIndicator(input: $input) { id } }`,
      { input: { id: indicator.body.data!.createIndicator.id, expectedVersion: 1 } },
      t.tjAdmin,
    );
    expect(gone.body.errors).toBeUndefined();
    const deleteUsed = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteProject(input: $input) { id } }`,
      { input: { id: projectId, expectedVersion: 2 } },
      t.tjAdmin,
    );
    expect(errorOf(deleteUsed)?.code).toBe('CONFLICT');
  });

  it('hard-deletes an unreferenced project and community, taking only their own links', async () => {
    const community = await server.graphql<{ createCommunity: { id: string } }>(
      `mutation ($input: CreateCommunityInput!) { createCommunity(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          name: 'Ваҳдат',
          region: 'RRS',
          district: 'Vahdat',
          settlement: 'URBAN',
        },
      },
      t.tjAdmin,
    );
    const communityId = community.body.data!.createCommunity.id;
    const project = await server.graphql<{ createProject: { id: string } }>(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'GONE-1',
          name: 'Short-lived',
          startDate: '2025-01-01',
          communityIds: [communityId, IDS.communities.tjNavobod],
        },
      },
      t.tjAdmin,
    );
    const projectId = project.body.data!.createProject.id;
    const deleted = await server.graphql<{ deleteProject: { id: string } }>(
      `mutation ($input: DeleteRowInput!) { deleteProject(input: $input) { id } }`,
      { input: { id: projectId, expectedVersion: 1 } },
      t.tjAdmin,
    );
    expect(deleted.body.data?.deleteProject.id).toBe(projectId);
    const links = await sql(`SELECT 1 FROM project_communities WHERE project_id = $1`, [projectId]);
    expect(links).toHaveLength(0);
    // The shared community's other links are untouched.
    const navobod = await sql(`SELECT 1 FROM project_communities WHERE community_id = $1`, [
      IDS.communities.tjNavobod,
    ]);
    expect(navobod.length).toBeGreaterThan(0);
    const gone = await server.graphql(
      `mutation ($input: DeleteRowInput!) { deleteCommunity(input: $input) { id } }`,
      { input: { id: communityId, expectedVersion: 1 } },
      t.tjAdmin,
    );
    expect(gone.body.errors).toBeUndefined();
    const events = await sql<{ action: string; entity_type: string }>(
      `SELECT action, entity_type FROM audit_events WHERE entity_id = ANY ($1::text[]) ORDER BY occurred_at`,
      [[projectId, communityId]],
    );
    expect(events).toEqual([
      { action: 'CREATE', entity_type: 'Community' },
      { action: 'CREATE', entity_type: 'Project' },
      { action: 'DELETE', entity_type: 'Project' },
      { action: 'DELETE', entity_type: 'Community' },
    ]);
  });

  it('records activities of a platform admin for the project implementer', async () => {
    const res = await server.graphql<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      { input: tjActivity() },
      await server.tokenFor('demo|platform-admin'),
    );
    expect(res.body.errors).toBeUndefined();
    const [row] = await sql<{ recorded_by_organisation_id: string }>(
      `SELECT recorded_by_organisation_id FROM activities WHERE id = $1`,
      [res.body.data!.createActivity.id],
    );
    expect(row?.recorded_by_organisation_id).toBe(IDS.organisations.internationalAlert);
  });

  it('refuses to restore an activity that no longer fits its project', async () => {
    const project = await server.graphql<{ createProject: { id: string } }>(
      `mutation ($input: CreateProjectInput!) { createProject(input: $input) { id } }`,
      {
        input: {
          tenantCode: 'TJ',
          code: 'SHRINK-1',
          name: 'Shrinking',
          startDate: '2024-01-01',
          communityIds: [IDS.communities.tjNavobod],
        },
      },
      t.tjAdmin,
    );
    const projectId = project.body.data!.createProject.id;
    const created = await server.graphql<{ createActivity: { id: string } }>(
      CREATE_ACTIVITY,
      { input: tjActivity({ projectId, startDate: '2024-02-01', endDate: null }) },
      t.tjAdmin,
    );
    const id = created.body.data!.createActivity.id;
    await server.graphql(DELETE_ACTIVITY, { input: { id, expectedVersion: 1 } }, t.tjAdmin);
    // Deleted rows do not hold the project's span, so it may now start later.
    const moved = await server.graphql(
      `mutation ($input: UpdateProjectInput!) { updateProject(input: $input) { id } }`,
      { input: { id: projectId, expectedVersion: 1, startDate: '2024-06-01' } },
      t.tjAdmin,
    );
    expect(moved.body.errors).toBeUndefined();
    const restored = await server.graphql(
      RESTORE_ACTIVITY,
      { input: { id, expectedVersion: 2 } },
      t.tjAdmin,
    );
    expect(errorOf(restored)).toEqual({ code: 'BAD_USER_INPUT', field: 'startDate' });
  });
});
