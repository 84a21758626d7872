import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { parseApiKey } from '../../src/auth/api-key-secret';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * DESIGN §3, row by row: every seeded principal × projects, communities, activities and
 * measurements × (root list ids, totalCount, lookup by id of every row in the database, nested
 * fields) sees exactly the rows its role allows. The expectation is computed here, from the
 * database, with plain SQL over memberships and project_organisations, never with
 * src/auth/access.ts.
 */

type Kind = 'project' | 'community' | 'activity' | 'measurement';
const KINDS: readonly Kind[] = ['project', 'community', 'activity', 'measurement'];
const LIST_FIELD: Record<Kind, string> = {
  project: 'projects',
  community: 'communities',
  activity: 'activities',
  measurement: 'measurements',
};
/** The root lookups by id; measurements have none in the API (DESIGN §4). */
const LOOKUP_KINDS = ['project', 'community', 'activity'] as const;

type Auth = string | { apiKey: string };
type Who = Readonly<{
  label: string;
  /** A user's token subject, or null for the dev API key. */
  subject: string | null;
  /** The aggregate-only analyst: every row-level field is FORBIDDEN. */
  analyst?: true;
}>;

const PRINCIPALS: readonly Who[] = [
  { label: 'the platform admin', subject: DEMO_USERS.platformAdmin.subject },
  { label: 'the TJ tenant admin', subject: DEMO_USERS.tjAdmin.subject },
  { label: 'the KG tenant admin', subject: DEMO_USERS.kgAdmin.subject },
  { label: 'the UZ tenant admin', subject: DEMO_USERS.uzAdmin.subject },
  { label: 'the TJ partner editor', subject: DEMO_USERS.tjEditor.subject },
  { label: 'the TJ partner viewer', subject: DEMO_USERS.tjViewer.subject },
  { label: 'the TJ pilot partner editor', subject: DEMO_USERS.tjPilotEditor.subject },
  { label: 'the KG partner editor', subject: DEMO_USERS.kgEditor.subject },
  { label: 'the KG partner viewer', subject: DEMO_USERS.kgViewer.subject },
  { label: 'the UZ partner editor', subject: DEMO_USERS.uzEditor.subject },
  { label: 'the UZ partner viewer', subject: DEMO_USERS.uzViewer.subject },
  { label: 'the UN aggregate analyst', subject: DEMO_USERS.unAnalyst.subject, analyst: true },
  { label: 'the dev API key', subject: null },
];

const T = SEED_IDS.tenants;
const O = SEED_IDS.organisations;
const P = SEED_IDS.projects;
const C = SEED_IDS.communities;
const I = SEED_IDS.indicators;

/** Extra rows that make the matrix sharper than the seed alone. */
const EXTRA = {
  /** A TJ project in which the TJ partner NGO is only a donor: that grants it nothing. */
  donorOnlyProject: 'e1000000-0005-4000-8000-000000000001',
  /** A TJ community no project targets: only TJ's admins see it. */
  untargetedCommunity: 'e1000000-0006-4000-8000-000000000001',
  /** A main-project activity in the pilot's community (now targeted by both projects). */
  mainActivityInPilotCommunity: 'e1000000-0007-4000-8000-000000000001',
  deletedActivity: 'e1000000-0007-4000-8000-000000000002',
  donorOnlyActivity: 'e1000000-0007-4000-8000-000000000003',
  pilotMeasurement: 'e1000000-0009-4000-8000-000000000001',
  kgProjectLevelMeasurement: 'e1000000-0009-4000-8000-000000000002',
  kgCommunityMeasurement: 'e1000000-0009-4000-8000-000000000003',
  uzMeasurement: 'e1000000-0009-4000-8000-000000000004',
  deletedMeasurement: 'e1000000-0009-4000-8000-000000000005',
  donorOnlyMeasurement: 'e1000000-0009-4000-8000-000000000006',
} as const;

async function addExtraRows(server: TestServer): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => server.db.dataSource.query(sql, params);
  await q(
    `INSERT INTO projects (tenant_id, id, code, name, status, start_date)
     VALUES ($1, $2, 'DONOR-TJ', 'Donor-only project', 'ACTIVE', '2024-01-01')`,
    [T.TJ, EXTRA.donorOnlyProject],
  );
  await q(
    `INSERT INTO project_organisations (tenant_id, project_id, organisation_id, role)
     VALUES ($1, $2, $3, 'IMPLEMENTER'), ($1, $2, $4, 'DONOR')`,
    [T.TJ, EXTRA.donorOnlyProject, O.internationalAlert, O.tjWomenRights],
  );
  await q(
    `INSERT INTO communities (tenant_id, id, name, region, district, settlement)
     VALUES ($1, $2, 'Ғафуров', 'Sughd', 'Ghafurov', 'URBAN')`,
    [T.TJ, EXTRA.untargetedCommunity],
  );
  await q(
    `INSERT INTO project_communities (tenant_id, project_id, community_id) VALUES ($1, $2, $3)`,
    [T.TJ, P.TJ, C.tjZarafshon],
  );
  await q(
    `INSERT INTO activities (tenant_id, id, project_id, community_id, type, title, start_date,
       recorded_by_organisation_id, deleted_at)
     VALUES ($1, $2, $3, $4, 'COMMUNITY_DIALOGUE', 'Main project dialogue in Zarafshon', '2025-06-01', $6, NULL),
            ($1, $5, $3, $7, 'TRAINING', 'Deleted training', '2024-02-01', $6, now()),
            ($1, $8, $9, NULL, 'TRAINING', 'Donor-only training', '2024-02-02', $10, NULL)`,
    [
      T.TJ,
      EXTRA.mainActivityInPilotCommunity,
      P.TJ,
      C.tjZarafshon,
      EXTRA.deletedActivity,
      O.tjWomenRights,
      C.tjNavobod,
      EXTRA.donorOnlyActivity,
      EXTRA.donorOnlyProject,
      O.internationalAlert,
    ],
  );
  const measurement = `INSERT INTO measurements (tenant_id, id, indicator_id, project_id, community_id,
      period, measured_on, value, sample_size, recorded_by_organisation_id, deleted_at)
    VALUES ($1, $2, $3, $4, $5, 'ROUTINE', '2025-06-30', 12.5, 30, $6, $7)`;
  const rows: [string, string, string, string | null, string, Date | null][] = [
    [T.TJ, EXTRA.pilotMeasurement, P.tjPilot, C.tjZarafshon, O.tjFamilyCentre, null],
    [T.KG, EXTRA.kgProjectLevelMeasurement, P.KG, null, O.internationalAlert, null],
    [T.KG, EXTRA.kgCommunityMeasurement, P.KG, C.kgJanyJol, O.kgWomenVoice, null],
    [T.UZ, EXTRA.uzMeasurement, P.UZ, C.uzYangiobod, O.uzWomenRights, null],
    [T.TJ, EXTRA.deletedMeasurement, P.TJ, C.tjNavobod, O.tjWomenRights, new Date()],
    [T.TJ, EXTRA.donorOnlyMeasurement, EXTRA.donorOnlyProject, null, O.internationalAlert, null],
  ];
  for (const [tenant, id, project, community, organisation, deletedAt] of rows) {
    await q(measurement, [
      tenant,
      id,
      I.DV_PREVALENCE,
      project,
      community,
      organisation,
      deletedAt,
    ]);
  }
}

/** Every row of the four tables and their links, read as the owner (no RLS applies). */
type World = Readonly<{
  ids: Record<Kind, string[]>;
  projectCommunities: { projectId: string; communityId: string }[];
  activities: { id: string; projectId: string; communityId: string | null }[];
  measurements: { id: string; projectId: string; communityId: string | null }[];
}>;

async function readWorld(server: TestServer): Promise<World> {
  const q = <R>(sql: string): Promise<R[]> => server.db.dataSource.query(sql);
  const ids = async (table: string) =>
    (await q<{ id: string }>(`SELECT id FROM ${table}`)).map((r) => r.id);
  return {
    ids: {
      project: await ids('projects'),
      community: await ids('communities'),
      activity: await ids('activities'),
      measurement: await ids('measurements'),
    },
    projectCommunities: await q(
      `SELECT project_id AS "projectId", community_id AS "communityId" FROM project_communities`,
    ),
    activities: await q(
      `SELECT id, project_id AS "projectId", community_id AS "communityId" FROM activities`,
    ),
    measurements: await q(
      `SELECT id, project_id AS "projectId", community_id AS "communityId" FROM measurements`,
    ),
  };
}

/**
 * What DESIGN §3 lets a principal read, straight from the tables: tenant admins (and the
 * platform admin, in every tenant) read their tenants in full; partner editors and viewers
 * read the projects their organisation implements or partners in (not funds), the
 * communities those projects target, and their activities and measurements; the analyst
 * reads no row. An API key holds the active roles of its organisation within its own
 * tenants, if it is usable and has a row-reading scope. Deleted rows are read by nobody.
 */
const VISIBLE_SQL = `
  WITH grants AS (
    SELECT m.tenant_id, m.organisation_id, m.role
      FROM users u JOIN memberships m ON m.user_id = u.id
     WHERE u.subject = $1 AND m.revoked_at IS NULL
    UNION ALL
    SELECT t.id, NULL, 'TENANT_ADMIN' FROM users u CROSS JOIN tenants t
     WHERE u.subject = $1 AND u.platform_admin
    UNION ALL
    SELECT m.tenant_id, m.organisation_id, m.role
      FROM api_keys k JOIN memberships m
        ON m.organisation_id = k.organisation_id AND m.tenant_id = ANY (k.tenant_ids)
     WHERE k.prefix = $2 AND m.revoked_at IS NULL AND k.revoked_at IS NULL
       AND (k.expires_at IS NULL OR k.expires_at > now())
       AND k.scopes && ARRAY['read', 'write', 'admin']
  ),
  admin_tenants AS (SELECT tenant_id FROM grants WHERE role = 'TENANT_ADMIN'),
  seen_projects AS (
    SELECT p.tenant_id, p.id FROM projects p
     WHERE p.tenant_id IN (SELECT tenant_id FROM admin_tenants)
        OR EXISTS (
          SELECT 1 FROM grants g JOIN project_organisations po
              ON po.tenant_id = g.tenant_id AND po.organisation_id = g.organisation_id
           WHERE g.role IN ('PARTNER_EDITOR', 'PARTNER_VIEWER')
             AND po.role IN ('IMPLEMENTER', 'PARTNER')
             AND po.tenant_id = p.tenant_id AND po.project_id = p.id)
  )
  SELECT 'project' AS kind, id FROM seen_projects
  UNION ALL
  SELECT 'community', c.id FROM communities c
   WHERE c.tenant_id IN (SELECT tenant_id FROM admin_tenants)
      OR EXISTS (SELECT 1 FROM project_communities pc JOIN seen_projects sp
                   ON sp.tenant_id = pc.tenant_id AND sp.id = pc.project_id
                  WHERE pc.tenant_id = c.tenant_id AND pc.community_id = c.id)
  UNION ALL
  SELECT 'activity', a.id FROM activities a JOIN seen_projects sp
      ON sp.tenant_id = a.tenant_id AND sp.id = a.project_id
   WHERE a.deleted_at IS NULL
  UNION ALL
  SELECT 'measurement', m.id FROM measurements m JOIN seen_projects sp
      ON sp.tenant_id = m.tenant_id AND sp.id = m.project_id
   WHERE m.deleted_at IS NULL`;

type Visible = Record<Kind, Set<string>>;

async function visibleTo(server: TestServer, who: Who): Promise<Visible> {
  const prefix = who.subject === null ? parseApiKey(server.devApiKey)!.prefix : null;
  const rows: { kind: Kind; id: string }[] = await server.db.dataSource.query(VISIBLE_SQL, [
    who.subject,
    prefix,
  ]);
  const visible: Visible = {
    project: new Set(),
    community: new Set(),
    activity: new Set(),
    measurement: new Set(),
  };
  for (const row of rows) visible[row.kind].add(row.id);
  return visible;
}

type Node = { id: string };
type Page<N = Node> = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: N[];
};
type Ref = { id: string } | null;
type ChildNode = Node & { project: Ref; community: Ref };
type NestedProject = Node & {
  communities: Page<Node & { activities: Page; measurements: Page }>;
  activities: Page<ChildNode>;
  measurements: Page<ChildNode>;
};
type NestedCommunity = Node & { activities: Page<ChildNode>; measurements: Page<ChildNode> };

const sorted = (ids: Iterable<string>): string[] => [...ids].sort();
const codes = (res: GraphQLResponse<unknown>): unknown[] =>
  (res.body.errors ?? []).map((error) => error.extensions?.code);

describe('who sees which rows (DESIGN §3)', () => {
  let server: TestServer;
  let world: World;
  const auth = new Map<Who, Auth>();
  const visible = new Map<Who, Visible>();

  beforeAll(async () => {
    // These sweeps read the whole database in one query (every row by id under its own alias,
    // three nested full pages): far past the production query limits, raised here the only way
    // they can be, through configuration.
    server = await startTestServer({
      env: { MAX_QUERY_ALIASES: '1000', MAX_QUERY_TOKENS: '100000', MAX_QUERY_COST: '10000000' },
    });
    await addExtraRows(server);
    world = await readWorld(server);
    for (const who of PRINCIPALS) {
      auth.set(
        who,
        who.subject === null ? { apiKey: server.devApiKey } : await server.tokenFor(who.subject),
      );
      visible.set(who, await visibleTo(server, who));
    }
  });
  afterAll(() => server.close());

  /** POSTs a query that must succeed without any error. */
  async function read<D>(who: Who, query: string, variables?: Record<string, unknown>): Promise<D> {
    const res = await server.graphql<D>(query, variables, auth.get(who));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!;
  }

  it('the expectations are not trivial: every principal kind sees a different, non-empty slice', () => {
    const count = (who: Who, kind: Kind) => visible.get(who)![kind].size;
    const [platform, tjAdmin, , , tjEditor, , tjPilot] = PRINCIPALS as [
      Who,
      Who,
      Who,
      Who,
      Who,
      Who,
      Who,
    ];
    for (const kind of KINDS) {
      expect(count(platform, kind)).toBe(
        world.ids[kind].length - (kind === 'activity' || kind === 'measurement' ? 1 : 0),
      );
      expect(count(tjAdmin, kind)).toBeGreaterThan(count(tjEditor, kind));
      expect(count(tjEditor, kind)).toBeGreaterThan(0);
    }
    expect(count(tjPilot, 'project')).toBe(1);
    expect(
      count(
        PRINCIPALS.find((w) => w.analyst)!,
        'project',
      ),
    ).toBe(0);
  });

  describe.each(PRINCIPALS.filter((who) => !who.analyst).map((who) => [who.label, who] as const))(
    '%s',
    (_label, who) => {
      it.each(KINDS)(
        'lists exactly the %s rows it may read, page by page, with their totalCount',
        async (kind) => {
          const expected = visible.get(who)![kind];
          const seen: string[] = [];
          let after: string | null = null;
          for (;;) {
            const data: Record<string, Page> = await read(
              who,
              `query ($after: String) { list: ${LIST_FIELD[kind]}(first: 7, after: $after) {
              totalCount pageInfo { hasNextPage endCursor } nodes { id } } }`,
              { after },
            );
            const page = data.list!;
            expect(page.totalCount).toBe(expected.size);
            seen.push(...page.nodes.map((node) => node.id));
            if (!page.pageInfo.hasNextPage) break;
            after = page.pageInfo.endCursor;
            expect(seen.length).toBeLessThanOrEqual(world.ids[kind].length);
          }
          expect(new Set(seen).size).toBe(seen.length);
          expect(sorted(seen)).toEqual(sorted(expected));
        },
      );

      it('looks up every project, community and activity of the database by id: its own, and null for the rest', async () => {
        const fields = LOOKUP_KINDS.flatMap((kind) =>
          world.ids[kind].map((id, i) => `${kind}_${i}: ${kind}(id: "${id}") { id }`),
        );
        const data = await read<Record<string, Ref>>(who, `{ ${fields.join('\n')} }`);
        for (const kind of LOOKUP_KINDS) {
          world.ids[kind].forEach((id, i) => {
            const found = data[`${kind}_${i}`];
            expect({ kind, id, found: found?.id ?? null }).toEqual({
              kind,
              id,
              found: visible.get(who)![kind].has(id) ? id : null,
            });
          });
        }
      });

      it('reaches nothing more through project → communities → activities/measurements and project → activities/measurements', async () => {
        const mine = visible.get(who)!;
        const data = await read<{ projects: Page<NestedProject> }>(
          who,
          `{ projects(first: 100) { nodes { id
              communities(first: 100) { totalCount nodes { id
                activities(first: 100) { totalCount nodes { id } }
                measurements(first: 100) { totalCount nodes { id } } } }
              activities(first: 100) { totalCount nodes { id project { id } community { id } } }
              measurements(first: 100) { totalCount nodes { id project { id } community { id } } } } } }`,
        );
        expect(sorted(data.projects.nodes.map((p) => p.id))).toEqual(sorted(mine.project));
        for (const project of data.projects.nodes) {
          const communities = world.projectCommunities
            .filter((pc) => pc.projectId === project.id)
            .map((pc) => pc.communityId);
          // A visible project's communities are all visible: its partners read what it targets.
          expect(communities.every((id) => mine.community.has(id))).toBe(true);
          expect(project.communities.totalCount).toBe(communities.length);
          expect(sorted(project.communities.nodes.map((c) => c.id))).toEqual(sorted(communities));
          for (const community of project.communities.nodes) {
            expectChildren(
              community.activities,
              world.activities,
              'communityId',
              community.id,
              mine.activity,
            );
            expectChildren(
              community.measurements,
              world.measurements,
              'communityId',
              community.id,
              mine.measurement,
            );
          }
          expectChildren(
            project.activities,
            world.activities,
            'projectId',
            project.id,
            mine.activity,
          );
          expectChildren(
            project.measurements,
            world.measurements,
            'projectId',
            project.id,
            mine.measurement,
          );
          for (const child of [...project.activities.nodes, ...project.measurements.nodes]) {
            expectReferences(child, [...world.activities, ...world.measurements], mine);
          }
        }
      });

      it('reaches nothing more through community → measurements/activities and their project and community', async () => {
        const mine = visible.get(who)!;
        const data = await read<{ communities: Page<NestedCommunity> }>(
          who,
          `{ communities(first: 100) { nodes { id
              activities(first: 100) { totalCount nodes { id project { id } community { id } } }
              measurements(first: 100) { totalCount nodes { id project { id } community { id } } } } } }`,
        );
        expect(sorted(data.communities.nodes.map((c) => c.id))).toEqual(sorted(mine.community));
        for (const community of data.communities.nodes) {
          expectChildren(
            community.activities,
            world.activities,
            'communityId',
            community.id,
            mine.activity,
          );
          expectChildren(
            community.measurements,
            world.measurements,
            'communityId',
            community.id,
            mine.measurement,
          );
          for (const child of [...community.activities.nodes, ...community.measurements.nodes]) {
            expectReferences(child, [...world.activities, ...world.measurements], mine);
          }
        }
      });

      it('cannot widen its scope with filters naming every tenant, project, community and organisation', async () => {
        const everything = {
          tenantCodes: ['TJ', 'KG', 'UZ'],
          projectIds: world.ids.project,
          communityIds: world.ids.community,
          organisationIds: Object.values(O),
        };
        const data = await read<Record<Kind, { totalCount: number; nodes: Node[] }>>(
          who,
          `query ($tenants: [String!], $projects: [UUID!], $communities: [UUID!], $organisations: [UUID!]) {
            project: projects(first: 100, filter: { tenantCodes: $tenants, organisationIds: $organisations }) { totalCount nodes { id } }
            community: communities(first: 100, filter: { tenantCodes: $tenants, projectIds: $projects }) { totalCount nodes { id } }
            activity: activities(first: 100, filter: { tenantCodes: $tenants, projectIds: $projects, communityIds: $communities }) { totalCount nodes { id } }
            measurement: measurements(first: 100, filter: { tenantCodes: $tenants, projectIds: $projects }) { totalCount nodes { id } } }`,
          {
            tenants: everything.tenantCodes,
            projects: everything.projectIds,
            communities: everything.communityIds,
            organisations: everything.organisationIds,
          },
        );
        const mine = visible.get(who)!;
        for (const kind of KINDS) {
          expect(data[kind].nodes.every((node) => mine[kind].has(node.id))).toBe(true);
          expect(data[kind].totalCount).toBeLessThanOrEqual(mine[kind].size);
        }
      });
    },
  );

  /** A nested page holds exactly the visible rows whose `key` is `parentId`. */
  function expectChildren(
    page: Page,
    rows: World['activities'],
    key: 'projectId' | 'communityId',
    parentId: string,
    allowed: Set<string>,
  ): void {
    const expected = rows
      .filter((row) => row[key] === parentId && allowed.has(row.id))
      .map((row) => row.id);
    expect({
      parentId,
      totalCount: page.totalCount,
      ids: sorted(page.nodes.map((n) => n.id)),
    }).toEqual({
      parentId,
      totalCount: expected.length,
      ids: sorted(expected),
    });
  }

  /** A row's project and community resolve to the real ones, or null when hidden. */
  function expectReferences(child: ChildNode, rows: World['activities'], mine: Visible): void {
    const row = rows.find((r) => r.id === child.id)!;
    expect(child.project?.id).toBe(row.projectId);
    expect(mine.project.has(row.projectId)).toBe(true);
    const community =
      row.communityId && mine.community.has(row.communityId) ? row.communityId : null;
    expect(child.community?.id ?? null).toBe(community);
  }

  describe('named cases', () => {
    const byLabel = (label: string) => PRINCIPALS.find((who) => who.label === label)!;

    it('a partner of the TJ main project asking for the TJ pilot by id gets null, and nothing of the pilot', async () => {
      const editor = byLabel('the TJ partner editor');
      const data = await read<{ project: Ref; main: Ref; pilotActivity: Ref; pilotCommunity: Ref }>(
        editor,
        `query ($pilot: UUID!, $main: UUID!, $activity: UUID!, $community: UUID!) {
          project(id: $pilot) { id } main: project(id: $main) { id }
          pilotActivity: activity(id: $activity) { id } pilotCommunity: community(id: $community) { id } }`,
        {
          pilot: P.tjPilot,
          main: P.TJ,
          activity: SEED_IDS.activities.tjPilotSavingsGroup,
          // Zarafshon is targeted by both projects here, so the editor sees it…
          community: C.tjZarafshon,
        },
      );
      expect(data).toEqual({
        project: null,
        main: { id: P.TJ },
        pilotActivity: null,
        pilotCommunity: { id: C.tjZarafshon },
      });
      // …but only the main project's activities and measurements in it.
      const nested = await read<{ community: { activities: Page; measurements: Page } }>(
        editor,
        `query ($id: UUID!) { community(id: $id) {
          activities { totalCount nodes { id } } measurements { totalCount nodes { id } } } }`,
        { id: C.tjZarafshon },
      );
      expect(nested.community.activities.nodes).toEqual([
        { id: EXTRA.mainActivityInPilotCommunity },
      ]);
      expect(nested.community.activities.totalCount).toBe(1);
      expect(nested.community.measurements).toMatchObject({ totalCount: 0, nodes: [] });
    });

    it('a partner NGO that only funds a project does not read it', async () => {
      const data = await read<{ project: Ref; activity: Ref }>(
        byLabel('the TJ partner viewer'),
        `query ($p: UUID!, $a: UUID!) { project(id: $p) { id } activity(id: $a) { id } }`,
        { p: EXTRA.donorOnlyProject, a: EXTRA.donorOnlyActivity },
      );
      expect(data).toEqual({ project: null, activity: null });
    });

    it('a TJ admin asking for a KG activity by id gets null, as for an id that does not exist', async () => {
      const data = await read<{ kg: Ref; missing: Ref; kgList: { totalCount: number } }>(
        byLabel('the TJ tenant admin'),
        `query ($kg: UUID!, $missing: UUID!) {
          kg: activity(id: $kg) { id } missing: activity(id: $missing) { id }
          kgList: activities(filter: { tenantCodes: ["KG"] }) { totalCount } }`,
        { kg: SEED_IDS.activities.kgImamsJanyJol, missing: '00000000-0000-4000-8000-000000000000' },
      );
      expect(data).toEqual({ kg: null, missing: null, kgList: { totalCount: 0 } });
    });

    it('nobody reads a deleted activity or measurement, not even the platform admin', async () => {
      const data = await read<{ activity: Ref; measurements: Page }>(
        byLabel('the platform admin'),
        `query ($a: UUID!, $c: UUID!) { activity(id: $a) { id }
          measurements(first: 100, filter: { communityIds: [$c] }) { totalCount nodes { id } } }`,
        { a: EXTRA.deletedActivity, c: C.tjNavobod },
      );
      expect(data.activity).toBeNull();
      expect(data.measurements.nodes.map((m) => m.id)).not.toContain(EXTRA.deletedMeasurement);
    });

    describe('the UN analyst', () => {
      const analyst = PRINCIPALS.find((who) => who.analyst)!;

      it.each(KINDS)('is FORBIDDEN to list %s rows and gets no data', async (kind) => {
        const res = await server.graphql(
          `{ ${LIST_FIELD[kind]}(first: 100) { totalCount nodes { id } } }`,
          {},
          auth.get(analyst),
        );
        expect(res.status).toBe(200);
        expect(codes(res)).toEqual(['FORBIDDEN']);
        expect(res.body.errors![0]!.path).toEqual([LIST_FIELD[kind]]);
        expect(res.body.data).toEqual({ [LIST_FIELD[kind]]: null });
      });

      it('is FORBIDDEN to look up any project, community or activity by id, and gets null for each', async () => {
        const fields = LOOKUP_KINDS.flatMap((kind) =>
          world.ids[kind].map((id, i) => `${kind}_${i}: ${kind}(id: "${id}") { id }`),
        );
        const res = await server.graphql<Record<string, Ref>>(
          `{ ${fields.join('\n')} }`,
          {},
          auth.get(analyst),
        );
        expect(res.status).toBe(200);
        expect(codes(res)).toEqual(fields.map(() => 'FORBIDDEN'));
        expect(Object.values(res.body.data ?? {}).every((value) => value === null)).toBe(true);
      });

      it('is FORBIDDEN on nested rows too, and no id of any row reaches it', async () => {
        const res = await server.graphql(
          `{ projects { nodes { id communities { nodes { id measurements { nodes { id value } } } } } }
             communities { nodes { id name activities { nodes { id title } } } } }`,
          {},
          auth.get(analyst),
        );
        expect(codes(res).every((code) => code === 'FORBIDDEN')).toBe(true);
        expect(codes(res).length).toBeGreaterThan(0);
        const text = JSON.stringify(res.body);
        for (const kind of KINDS) for (const id of world.ids[kind]) expect(text).not.toContain(id);
      });
    });
  });
});
