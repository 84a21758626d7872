import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * `activity(id)` fetches the community and project its query selects in its own statement and
 * primes their loaders (issue 17). The joined parents must be exactly what their own loaders
 * would answer: hidden ones null, another tenant's never, whoever asks.
 */
describe('one activity with its parents in one statement', () => {
  let server: TestServer;
  let admin: string;
  let pilotEditor: string;
  /** A TJ pilot activity at a TJ community the pilot does not target. */
  let offTarget: { activity: string; community: string };

  const QUERY = `query ($id: UUID!) {
    activity(id: $id) { id title community { id name region } project { id code name } }
  }`;

  type Answer = {
    activity: {
      id: string;
      community: { id: string } | null;
      project: { id: string } | null;
    } | null;
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.tokenFor('demo|tj-admin');
    pilotEditor = await server.tokenFor('demo|tj-pilot-editor');
    const [community] = await server.db.dataSource.query<{ id: string }[]>(
      `SELECT id FROM communities c WHERE tenant_id = $1 AND NOT EXISTS (
         SELECT 1 FROM project_communities pc WHERE pc.tenant_id = c.tenant_id
           AND pc.community_id = c.id AND pc.project_id = $2)
       ORDER BY id LIMIT 1`,
      [SEED_IDS.tenants.TJ, SEED_IDS.projects.tjPilot],
    );
    const [activity] = await server.db.dataSource.query<{ id: string }[]>(
      `INSERT INTO activities (tenant_id, project_id, community_id, type, title, start_date,
         recorded_by_organisation_id)
       VALUES ($1, $2, $3, 'TRAINING', 'Off-target session', '2024-05-01', $4) RETURNING id`,
      [
        SEED_IDS.tenants.TJ,
        SEED_IDS.projects.tjPilot,
        community!.id,
        SEED_IDS.organisations.internationalAlert,
      ],
    );
    offTarget = { activity: activity!.id, community: community!.id };
  });
  afterAll(() => server.close());

  async function read(auth: string | { apiKey: string }, id: string): Promise<Answer> {
    const res = await server.graphql<Answer>(QUERY, { id }, auth);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  }

  it('a TJ admin asking for a KG activity with its parents gets null, in 3 statements', async () => {
    const before = server.statements.length;
    expect(await read(admin, SEED_IDS.activities.kgImamsJanyJol)).toEqual({ activity: null });
    expect(server.statements[before]).toBe(3);
  });

  it('a TJ admin reads a TJ activity with the same parents their own queries answer', async () => {
    const id = SEED_IDS.activities.tjPilotSavingsGroup;
    const joined = await read(admin, id);
    const apart = await server.graphql<{
      activity: { community: { id: string } | null; project: { id: string } };
    }>(
      `query ($id: UUID!) { activity(id: $id) { community { id } project { id } } }`,
      { id },
      admin,
    );
    expect(joined.activity!.project).toMatchObject({ id: SEED_IDS.projects.tjPilot });
    expect(joined.activity!.community?.id).toBe(apart.body.data!.activity.community?.id);
    expect(joined.activity!.community).not.toBeNull();
  });

  it('the pilot partner reads its activity but not a community its project does not target', async () => {
    const answer = await read(pilotEditor, offTarget.activity);
    expect(answer.activity).toMatchObject({ id: offTarget.activity, community: null });
    expect(answer.activity!.project).toMatchObject({ id: SEED_IDS.projects.tjPilot });
    // The same as asking for the community itself.
    const direct = await server.graphql<{ community: unknown }>(
      `query ($id: UUID!) { community(id: $id) { id } }`,
      { id: offTarget.community },
      pilotEditor,
    );
    expect(direct.body.data).toEqual({ community: null });
    // And the admin, who reads every TJ community, gets it.
    expect((await read(admin, offTarget.activity)).activity!.community).toMatchObject({
      id: offTarget.community,
    });
  });

  it('the pilot partner gets null for an activity of a project it is no partner of', async () => {
    expect(await read(pilotEditor, SEED_IDS.activities.tjDialogueNavobod)).toEqual({
      activity: null,
    });
  });

  it('two aliases, one visible and one of another tenant, each get their own answer', async () => {
    const res = await server.graphql<{
      tj: { project: { id: string } } | null;
      kg: { project: { id: string } } | null;
    }>(
      `query ($tj: UUID!, $kg: UUID!) {
        tj: activity(id: $tj) { project { id } community { id } }
        kg: activity(id: $kg) { project { id } community { id } } }`,
      { tj: SEED_IDS.activities.tjPilotSavingsGroup, kg: SEED_IDS.activities.kgImamsJanyJol },
      admin,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.tj?.project.id).toBe(SEED_IDS.projects.tjPilot);
    expect(res.body.data!.kg).toBeNull();
  });

  it('an API key reads an activity with its parents as its own loaders would', async () => {
    const tj = await read({ apiKey: server.devApiKey }, SEED_IDS.activities.tjPilotSavingsGroup);
    expect(tj.activity?.project?.id).toBe(SEED_IDS.projects.tjPilot);
    expect(tj.activity?.community).not.toBeNull();
  });
});
