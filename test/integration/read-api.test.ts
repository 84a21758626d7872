import { randomUUID } from 'node:crypto';
import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * The read API of issue 2 through the real HTTP server and PostgreSQL: the seeded programme
 * comes back as the database holds it, nested connections page and count at every level,
 * lookups and relations resolve, and arguments a client gets wrong are client errors.
 * Expectations are read from the database directly, never counted by hand.
 */

type Auth = string | { apiKey: string };
type Participants = { female: number; male: number; other: number; total: number };
type ActivityNode = {
  id: string;
  title: string;
  type: string;
  startDate: string;
  endDate: string | null;
  participants: Participants;
};
type Page<T> = {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  nodes: T[];
};

describe('the read API', () => {
  let server: TestServer;
  let platformAdmin: string;
  let tjAdmin: string;

  beforeAll(async () => {
    server = await startTestServer();
    platformAdmin = await server.tokenFor('demo|platform-admin');
    tjAdmin = await server.tokenFor('demo|tj-admin');
  });
  afterAll(() => server.close());

  /** Rows straight from the database, as its owner (no row-level security). */
  const sql = <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    server.db.dataSource.query<T[]>(text, params);

  /** Runs a query that must succeed and returns its data. */
  async function read<T>(
    query: string,
    variables: Record<string, unknown> = {},
    auth: Auth = platformAdmin,
  ): Promise<T> {
    const res = await server.graphql<T>(query, variables, auth);
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    return res.body.data as T;
  }

  const ACTIVITY_FIELDS = `id title type startDate endDate participants { female male other total }`;

  /** A community's or project's activities as the API should return them: latest first. */
  async function activitiesWhere(column: 'community_id' | 'project_id', id: string) {
    const rows = await sql<{
      id: string;
      title: string;
      type: string;
      startDate: string;
      endDate: string | null;
      female: number;
      male: number;
      other: number;
    }>(
      `SELECT id, title, type, start_date AS "startDate", end_date AS "endDate",
         participants_female AS female, participants_male AS male, participants_other AS other
       FROM activities WHERE ${column} = $1 AND deleted_at IS NULL
       ORDER BY start_date DESC, id DESC`,
      [id],
    );
    return rows.map(({ female, male, other, ...activity }): ActivityNode => ({
      ...activity,
      participants: { female, male, other, total: female + male + other },
    }));
  }

  describe('the seeded programme', () => {
    it("returns TJ's Living with Dignity project with its communities and each community's activities", async () => {
      const data = await read<{
        project: {
          id: string;
          code: string;
          name: string;
          status: string;
          startDate: string;
          endDate: string | null;
          tenant: { code: string };
          communities: Page<{
            id: string;
            name: string;
            region: string;
            district: string;
            settlement: string;
            households: number | null;
            population: number | null;
            activities: Page<ActivityNode>;
          }>;
          activities: Page<ActivityNode>;
        } | null;
      }>(
        `query ($id: UUID!) {
          project(id: $id) {
            id code name status startDate endDate
            tenant { code }
            communities(first: 100) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage endCursor }
              nodes {
                id name region district settlement households population
                activities(first: 100) {
                  totalCount
                  pageInfo { hasNextPage hasPreviousPage endCursor }
                  nodes { ${ACTIVITY_FIELDS} }
                }
              }
            }
            activities(first: 100) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage endCursor }
              nodes { ${ACTIVITY_FIELDS} }
            }
          }
        }`,
        { id: SEED_IDS.projects.TJ },
        tjAdmin,
      );
      const project = data.project!;

      const [row] = await sql<{
        code: string;
        name: string;
        status: string;
        startDate: string;
        endDate: string | null;
      }>(
        `SELECT code, name, status, start_date AS "startDate", end_date AS "endDate"
         FROM projects WHERE id = $1`,
        [SEED_IDS.projects.TJ],
      );
      expect(project).toMatchObject({ id: SEED_IDS.projects.TJ, ...row, tenant: { code: 'TJ' } });
      expect(project.name).toBe('Living with Dignity');

      const communities = await sql<{
        id: string;
        name: string;
        region: string;
        district: string;
        settlement: string;
        households: number | null;
        population: number | null;
      }>(
        `SELECT c.id, c.name, c.region, c.district, c.settlement, c.households, c.population
         FROM project_communities pc
         JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id
         WHERE pc.project_id = $1
         ORDER BY c.name, c.id`,
        [SEED_IDS.projects.TJ],
      );
      expect(communities.length).toBeGreaterThan(0);
      expect(project.communities.totalCount).toBe(communities.length);
      expect(project.communities.pageInfo.hasNextPage).toBe(false);
      expect(project.communities.nodes.map(({ activities: _, ...c }) => c)).toEqual(communities);

      for (const community of project.communities.nodes) {
        const expected = await activitiesWhere('community_id', community.id);
        expect(expected.length).toBeGreaterThan(0);
        expect(community.activities.totalCount).toBe(expected.length);
        expect(community.activities.nodes).toEqual(expected);
      }

      const projectActivities = await activitiesWhere('project_id', SEED_IDS.projects.TJ);
      expect(project.activities.totalCount).toBe(projectActivities.length);
      expect(project.activities.nodes).toEqual(projectActivities);
    });

    it('returns the UZ induction meeting of 4 August with its twelve participants', async () => {
      const data = await read<{
        activities: Page<{
          title: string;
          startDate: string;
          participants: Participants;
          tenant: { code: string };
          project: { name: string };
        }>;
      }>(
        `{
          activities(filter: { tenantCodes: ["UZ"], types: [INDUCTION_MEETING] }) {
            totalCount
            nodes { title startDate participants { female male other total } tenant { code } project { name } }
          }
        }`,
        {},
        { apiKey: server.devApiKey },
      );
      expect(data.activities.totalCount).toBe(1);
      const [meeting] = data.activities.nodes;
      expect(meeting!.startDate).toMatch(/^\d{4}-08-04$/);
      expect(meeting!.participants.total).toBe(12);
      expect(meeting!.tenant.code).toBe('UZ');
      expect(meeting!.project.name).toBe('Living with Dignity');
    });
  });

  describe('lookups by id', () => {
    it('project(id) returns the project as stored', async () => {
      const data = await read<{ project: Record<string, unknown> | null }>(
        `query ($id: UUID!) { project(id: $id) { id code name description status startDate endDate version } }`,
        { id: SEED_IDS.projects.KG },
      );
      const [row] = await sql(
        `SELECT id, code, name, description, status, start_date AS "startDate",
           end_date AS "endDate", version
         FROM projects WHERE id = $1`,
        [SEED_IDS.projects.KG],
      );
      expect(data.project).toEqual(row);
    });

    it('community(id) returns the community as stored', async () => {
      const data = await read<{ community: Record<string, unknown> | null }>(
        `query ($id: UUID!) {
          community(id: $id) { id name region district settlement households population version }
        }`,
        { id: SEED_IDS.communities.kgJanyJol },
      );
      const [row] = await sql(
        `SELECT id, name, region, district, settlement, households, population, version
         FROM communities WHERE id = $1`,
        [SEED_IDS.communities.kgJanyJol],
      );
      expect(data.community).toEqual(row);
    });

    it('activity(id) returns the activity as stored', async () => {
      const id = SEED_IDS.activities.kgImamsJanyJol;
      const data = await read<{ activity: Record<string, unknown> | null }>(
        `query ($id: UUID!) {
          activity(id: $id) { ${ACTIVITY_FIELDS} ageBand externalId version }
        }`,
        { id },
      );
      const [expected] = await activitiesWhere('project_id', SEED_IDS.projects.KG).then((rows) =>
        rows.filter((row) => row.id === id),
      );
      const [extra] = await sql<Record<string, unknown>>(
        `SELECT age_band AS "ageBand", external_id AS "externalId", version
         FROM activities WHERE id = $1`,
        [id],
      );
      expect(data.activity).toEqual({ ...expected, ...extra });
    });

    it.each(['project', 'community', 'activity'])(
      '%s(id) of an unknown id is null, without errors',
      async (field) => {
        const data = await read<Record<string, unknown>>(
          `query ($id: UUID!) { ${field}(id: $id) { id } }`,
          { id: randomUUID() },
        );
        expect(data[field]).toBeNull();
      },
    );

    it.each([
      ['project', SEED_IDS.projects.KG],
      ['community', SEED_IDS.communities.kgJanyJol],
      ['activity', SEED_IDS.activities.kgImamsJanyJol],
    ])(
      '%s(id) of another tenant is null for a TJ admin, as if it did not exist',
      async (field, id) => {
        const data = await read<Record<string, unknown>>(
          `query ($id: UUID!) { ${field}(id: $id) { id } }`,
          { id },
          tjAdmin,
        );
        expect(data[field]).toBeNull();
      },
    );
  });

  describe('lists load the columns their query selects', () => {
    it('through fragments, edges and @include, a list still answers every field it selects', async () => {
      const query = `query ($id: UUID!, $withDates: Boolean!, $noTitle: Boolean!) {
        community(id: $id) {
          activities(first: 50) {
            edges { node { id ...Counts } }
            nodes { ... on Activity { type startDate @include(if: $withDates) endDate } }
          }
        }
      }
      fragment Counts on Activity { title @skip(if: $noTitle) participants { female male other total } }`;
      const expected = await activitiesWhere('community_id', SEED_IDS.communities.tjNavobod);
      expect(expected.length).toBeGreaterThan(1);
      for (const [withDates, noTitle] of [
        [true, false],
        [false, true],
      ]) {
        const data = await read<{
          community: {
            activities: {
              edges: { node: Partial<ActivityNode> }[];
              nodes: Partial<ActivityNode>[];
            };
          };
        }>(query, { id: SEED_IDS.communities.tjNavobod, withDates, noTitle });
        const { edges, nodes } = data.community.activities;
        expect(edges.map((e) => e.node)).toEqual(
          expected.map(({ id, title, participants }) => ({
            id,
            ...(noTitle ? {} : { title }),
            participants,
          })),
        );
        expect(nodes).toEqual(
          expected.map(({ type, startDate, endDate }) => ({
            type,
            ...(withDates ? { startDate } : {}),
            endDate,
          })),
        );
      }
    });
  });

  describe('relations', () => {
    it("every activity's tenant, project, community, facilitator and recording organisation are its own", async () => {
      const data = await read<{
        activities: Page<{
          id: string;
          tenant: { code: string };
          project: { id: string };
          community: { id: string } | null;
          facilitator: { id: string } | null;
          recordedBy: { id: string };
        }>;
      }>(
        `{
          activities(first: 100) {
            pageInfo { hasNextPage hasPreviousPage endCursor }
            nodes {
              id tenant { code } project { id } community { id } facilitator { id } recordedBy { id }
            }
          }
        }`,
      );
      expect(data.activities.pageInfo.hasNextPage).toBe(false);
      const rows = await sql<{
        id: string;
        code: string;
        project: string;
        community: string | null;
        facilitator: string | null;
        recordedBy: string;
      }>(
        `SELECT a.id, t.code, a.project_id AS project, a.community_id AS community,
           a.facilitator_organisation_id AS facilitator, a.recorded_by_organisation_id AS "recordedBy"
         FROM activities a JOIN tenants t ON t.id = a.tenant_id
         WHERE a.deleted_at IS NULL ORDER BY a.id`,
      );
      const byId = (nodes: { id: string }[]) => [...nodes].sort((a, b) => a.id.localeCompare(b.id));
      expect(byId(data.activities.nodes)).toEqual(
        rows.map((row) => ({
          id: row.id,
          tenant: { code: row.code },
          project: { id: row.project },
          community: row.community ? { id: row.community } : null,
          facilitator: row.facilitator ? { id: row.facilitator } : null,
          recordedBy: { id: row.recordedBy },
        })),
      );
      // Guard against a vacuous comparison: the seed has activities with and without each.
      expect(rows.some((row) => row.community === null)).toBe(true);
      expect(
        rows.some((row) => row.facilitator !== null && row.facilitator !== row.recordedBy),
      ).toBe(true);
    });

    it('a community dialogue facilitated by one partner and recorded by another names both', async () => {
      const data = await read<{
        activity: {
          project: { name: string };
          community: { name: string };
          facilitator: { name: string; kind: string };
          recordedBy: { name: string; kind: string };
          tenant: { code: string; name: string };
        };
      }>(
        `query ($id: UUID!) {
          activity(id: $id) {
            project { name } community { name } facilitator { name kind } recordedBy { name kind }
            tenant { code name }
          }
        }`,
        { id: SEED_IDS.activities.tjDialogueGulshanLeaders },
      );
      const [row] = await sql<Record<string, string>>(
        `SELECT p.name AS project, c.name AS community, f.name AS "facilitatorName",
           f.kind AS "facilitatorKind", r.name AS "recordedByName", r.kind AS "recordedByKind",
           t.code, t.name AS tenant
         FROM activities a
         JOIN projects p ON p.tenant_id = a.tenant_id AND p.id = a.project_id
         JOIN communities c ON c.tenant_id = a.tenant_id AND c.id = a.community_id
         JOIN organisations f ON f.id = a.facilitator_organisation_id
         JOIN organisations r ON r.id = a.recorded_by_organisation_id
         JOIN tenants t ON t.id = a.tenant_id
         WHERE a.id = $1`,
        [SEED_IDS.activities.tjDialogueGulshanLeaders],
      );
      expect(data.activity).toEqual({
        project: { name: row!.project },
        community: { name: row!.community },
        facilitator: { name: row!.facilitatorName, kind: row!.facilitatorKind },
        recordedBy: { name: row!.recordedByName, kind: row!.recordedByKind },
        tenant: { code: row!.code, name: row!.tenant },
      });
      expect(data.activity.facilitator.name).not.toBe(data.activity.recordedBy.name);
    });

    it("every measurement's indicator, project, community and tenant are its own", async () => {
      const data = await read<{
        measurements: Page<{
          id: string;
          value: number;
          indicator: { id: string; code: string };
          project: { id: string };
          community: { id: string } | null;
          tenant: { code: string };
        }>;
      }>(
        `{
          measurements(first: 100) {
            pageInfo { hasNextPage hasPreviousPage endCursor }
            nodes { id value indicator { id code } project { id } community { id } tenant { code } }
          }
        }`,
      );
      expect(data.measurements.pageInfo.hasNextPage).toBe(false);
      const rows = await sql<{
        id: string;
        value: number;
        indicator: string;
        code: string;
        project: string;
        community: string | null;
        tenant: string;
      }>(
        `SELECT m.id, m.value::float8 AS value, i.id AS indicator, i.code, m.project_id AS project,
           m.community_id AS community, t.code AS tenant
         FROM measurements m
         JOIN indicators i ON i.id = m.indicator_id
         JOIN tenants t ON t.id = m.tenant_id
         WHERE m.deleted_at IS NULL ORDER BY m.id`,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect([...data.measurements.nodes].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        rows.map((row) => ({
          id: row.id,
          value: row.value,
          indicator: { id: row.indicator, code: row.code },
          project: { id: row.project },
          community: row.community ? { id: row.community } : null,
          tenant: { code: row.tenant },
        })),
      );
    });

    it("every project's implementer, donors and partners are the organisations linked to it", async () => {
      const data = await read<{
        projects: Page<{
          id: string;
          implementer: { id: string; name: string; kind: string } | null;
          donors: { id: string }[];
          partners: { id: string }[];
        }>;
      }>(
        `{
          projects(first: 100) {
            pageInfo { hasNextPage hasPreviousPage endCursor }
            nodes { id implementer { id name kind } donors { id } partners { id } }
          }
        }`,
      );
      expect(data.projects.pageInfo.hasNextPage).toBe(false);
      const links = await sql<{ project: string; organisation: string; role: string }>(
        `SELECT project_id AS project, organisation_id AS organisation, role FROM project_organisations`,
      );
      const linked = (project: string, role: string) =>
        links
          .filter((link) => link.project === project && link.role === role)
          .map((link) => link.organisation)
          .sort();
      const ids = (organisations: { id: string }[]) => organisations.map((o) => o.id).sort();

      expect(data.projects.nodes.length).toBeGreaterThan(0);
      for (const project of data.projects.nodes) {
        expect([project.implementer?.id].filter(Boolean)).toEqual(
          linked(project.id, 'IMPLEMENTER'),
        );
        expect(ids(project.donors)).toEqual(linked(project.id, 'DONOR'));
        expect(ids(project.partners)).toEqual(linked(project.id, 'PARTNER'));
      }
      const uz = data.projects.nodes.find((p) => p.id === SEED_IDS.projects.UZ)!;
      expect(uz.implementer).toMatchObject({ name: 'International Alert', kind: 'IMPLEMENTER' });
      expect(uz.donors.length).toBeGreaterThan(1);
    });
  });

  describe('Unicode', () => {
    it.each([
      ['a Tajik community name', 'community', SEED_IDS.communities.tjDusti, 'name', 'Дӯстӣ'],
      ['a Kyrgyz community name', 'community', SEED_IDS.communities.kgJanyJol, 'name', 'Жаңы-Жол'],
      [
        'an Uzbek Cyrillic community name',
        'community',
        SEED_IDS.communities.uzNavbahor,
        'name',
        'Навбаҳор',
      ],
      [
        'a Kyrgyz activity title',
        'activity',
        SEED_IDS.activities.kgOtynAiYntymak,
        'title',
        'Отун-айлар үчүн сессия: үй-бүлөлүк зомбулукту алдын алуу — Ынтымак',
      ],
    ] as const)('%s round-trips byte for byte', async (_what, field, id, column, seeded) => {
      const data = await read<Record<string, Record<string, string>>>(
        `query ($id: UUID!) { ${field}(id: $id) { ${column} } }`,
        { id },
      );
      const [row] = await sql<{ text: string }>(
        `SELECT ${column} AS text FROM ${field === 'community' ? 'communities' : 'activities'} WHERE id = $1`,
        [id],
      );
      expect(row!.text).toBe(seeded);
      const returned = data[field]![column]!;
      expect(Buffer.from(returned, 'utf8').toString('hex')).toBe(
        Buffer.from(row!.text, 'utf8').toString('hex'),
      );
    });

    it("an organisation's name in Tajik Cyrillic round-trips through a project's partners", async () => {
      const data = await read<{ project: { partners: { id: string; name: string }[] } }>(
        `query ($id: UUID!) { project(id: $id) { partners { id name } } }`,
        { id: SEED_IDS.projects.TJ },
      );
      const [row] = await sql<{ name: string }>(`SELECT name FROM organisations WHERE id = $1`, [
        SEED_IDS.organisations.tjWomenRights,
      ]);
      const partner = data.project.partners.find(
        (p) => p.id === SEED_IDS.organisations.tjWomenRights,
      );
      expect(row!.name).toMatch(/[ҷҳӣӯқғ]/);
      expect(Buffer.from(partner!.name).toString('hex')).toBe(
        Buffer.from(row!.name).toString('hex'),
      );
    });
  });

  describe('nested connections', () => {
    it('project → communities → activities pages and counts at every level', async () => {
      const data = await read<{
        project: {
          communities: Page<{ id: string; activities: Page<{ id: string }> }>;
        };
      }>(
        `query ($id: UUID!) {
          project(id: $id) {
            communities(first: 2) {
              totalCount
              pageInfo { hasNextPage hasPreviousPage endCursor }
              nodes {
                id
                activities(first: 1) {
                  totalCount
                  pageInfo { hasNextPage hasPreviousPage endCursor }
                  nodes { id }
                }
              }
            }
          }
        }`,
        { id: SEED_IDS.projects.TJ },
      );
      const communities = await sql<{ id: string }>(
        `SELECT c.id FROM project_communities pc
         JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id
         WHERE pc.project_id = $1 ORDER BY c.name, c.id`,
        [SEED_IDS.projects.TJ],
      );
      expect(communities.length).toBeGreaterThan(2);
      const page = data.project.communities;
      expect(page.totalCount).toBe(communities.length);
      expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(page.nodes.map((c) => c.id)).toEqual(communities.slice(0, 2).map((c) => c.id));

      for (const community of page.nodes) {
        const activities = await activitiesWhere('community_id', community.id);
        expect(community.activities.totalCount).toBe(activities.length);
        expect(community.activities.nodes.map((a) => a.id)).toEqual(
          activities.slice(0, 1).map((a) => a.id),
        );
        expect(community.activities.pageInfo.hasNextPage).toBe(activities.length > 1);
      }
    });

    it('project → communities with after visits every community of the project once', async () => {
      const expected = await sql<{ id: string }>(
        `SELECT c.id FROM project_communities pc
         JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id
         WHERE pc.project_id = $1 ORDER BY c.name, c.id`,
        [SEED_IDS.projects.TJ],
      );
      const seen: string[] = [];
      let after: string | null = null;
      for (let request = 0; request <= expected.length; request += 1) {
        const data: { project: { communities: Page<{ id: string }> } } = await read(
          `query ($id: UUID!, $after: String) {
            project(id: $id) {
              communities(first: 2, after: $after) {
                totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id }
              }
            }
          }`,
          { id: SEED_IDS.projects.TJ, after },
        );
        const page = data.project.communities;
        expect(page.totalCount).toBe(expected.length);
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...page.nodes.map((c) => c.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected.map((c) => c.id));
    });

    it("community → measurements pages with first and after through all of the community's values", async () => {
      const community = SEED_IDS.communities.tjNavobod;
      const expected = await sql<{ id: string }>(
        `SELECT id FROM measurements WHERE community_id = $1 AND deleted_at IS NULL
         ORDER BY measured_on, id`,
        [community],
      );
      expect(expected.length).toBeGreaterThan(3);
      const seen: string[] = [];
      let after: string | null = null;
      for (let request = 0; request <= expected.length; request += 1) {
        const data: { community: { measurements: Page<{ id: string }> } } = await read(
          `query ($id: UUID!, $after: String) {
            community(id: $id) {
              measurements(first: 3, after: $after) {
                totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id }
              }
            }
          }`,
          { id: community, after },
        );
        const page = data.community.measurements;
        expect(page.totalCount).toBe(expected.length);
        expect(page.nodes.length).toBeLessThanOrEqual(3);
        seen.push(...page.nodes.map((m) => m.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected.map((m) => m.id));
    });

    it('community → activities with after continues each community from its own cursor', async () => {
      const community = SEED_IDS.communities.tjNavobod;
      const expected = await activitiesWhere('community_id', community);
      expect(expected.length).toBeGreaterThan(1);
      const query = `query ($id: UUID!, $after: String) {
        community(id: $id) {
          activities(first: 1, after: $after) {
            totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id }
          }
        }
      }`;
      const first: { community: { activities: Page<{ id: string }> } } = await read(query, {
        id: community,
      });
      const second: { community: { activities: Page<{ id: string }> } } = await read(query, {
        id: community,
        after: first.community.activities.pageInfo.endCursor,
      });
      expect(first.community.activities.nodes.map((a) => a.id)).toEqual([expected[0]!.id]);
      expect(second.community.activities.nodes.map((a) => a.id)).toEqual([expected[1]!.id]);
      expect(second.community.activities.pageInfo.hasPreviousPage).toBe(true);
      expect(second.community.activities.totalCount).toBe(expected.length);
    });

    it('nested connections under many projects at once count each project on its own', async () => {
      const data = await read<{
        projects: Page<{
          id: string;
          communities: Page<{ id: string }>;
          activities: Page<{ id: string }>;
          measurements: Page<{ id: string }>;
        }>;
      }>(
        `{
          projects(first: 100) {
            pageInfo { hasNextPage hasPreviousPage endCursor }
            nodes {
              id
              communities(first: 1) { totalCount nodes { id } }
              activities(first: 2) { totalCount nodes { id } }
              measurements(first: 1) { totalCount nodes { id } }
            }
          }
        }`,
      );
      const counts = await sql<{
        id: string;
        communities: number;
        activities: number;
        measurements: number;
      }>(
        // Joined on tenant_id too, which Citus needs to push the sub-queries down.
        `SELECT p.id,
           (SELECT count(*)::int FROM project_communities pc
             WHERE pc.tenant_id = p.tenant_id AND pc.project_id = p.id) AS communities,
           (SELECT count(*)::int FROM activities a
             WHERE a.tenant_id = p.tenant_id AND a.project_id = p.id AND a.deleted_at IS NULL)
             AS activities,
           (SELECT count(*)::int FROM measurements m
             WHERE m.tenant_id = p.tenant_id AND m.project_id = p.id AND m.deleted_at IS NULL)
             AS measurements
         FROM projects p ORDER BY p.id`,
      );
      expect(data.projects.pageInfo.hasNextPage).toBe(false);
      expect(
        [...data.projects.nodes]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((p) => ({
            id: p.id,
            communities: p.communities.totalCount,
            activities: p.activities.totalCount,
            measurements: p.measurements.totalCount,
          })),
      ).toEqual(counts);
      for (const project of data.projects.nodes) {
        const count = counts.find((c) => c.id === project.id)!;
        expect(project.communities.nodes).toHaveLength(Math.min(1, count.communities));
        expect(project.activities.nodes).toHaveLength(Math.min(2, count.activities));
        expect(project.measurements.nodes).toHaveLength(Math.min(1, count.measurements));
      }
    });
  });

  describe('paging arguments a client gets wrong', () => {
    const CONNECTIONS: [string, string][] = [
      ['activities', '{ activities(first: $first) { totalCount } }'],
      ['projects', '{ projects(first: $first) { totalCount } }'],
      ['communities', '{ communities(first: $first) { totalCount } }'],
      ['measurements', '{ measurements(first: $first) { totalCount } }'],
      ['indicators', '{ indicators(first: $first) { totalCount } }'],
      ['tenants', '{ tenants(first: $first) { totalCount } }'],
      [
        'a project’s communities',
        `{ project(id: "${SEED_IDS.projects.TJ}") { communities(first: $first) { totalCount } } }`,
      ],
      [
        'a community’s activities',
        `{ community(id: "${SEED_IDS.communities.tjNavobod}") { activities(first: $first) { totalCount } } }`,
      ],
    ];
    const cases = CONNECTIONS.flatMap(([name, selection]) =>
      [101, 0, -1].map((first) => [name, first, selection] as const),
    );

    it.each(cases)(
      '%s with first: %i is BAD_USER_INPUT on field first',
      async (_name, first, selection) => {
        const res = await server.graphql(
          `query ($first: Int) ${selection}`,
          { first },
          platformAdmin,
        );
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
      },
    );

    it('first: 101 written in the query itself is BAD_USER_INPUT, never a silent clamp', async () => {
      const res = await server.graphql(
        '{ activities(first: 101) { nodes { id } } }',
        {},
        platformAdmin,
      );
      expect(res.body.data?.activities ?? null).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
      expect(res.body.errors?.[0]?.message).toMatch(/100/);
    });

    it('first: 100 is accepted', async () => {
      const data = await read<{ activities: Page<{ id: string }> }>(
        '{ activities(first: 100) { totalCount nodes { id } } }',
      );
      expect(data.activities.nodes.length).toBe(Math.min(100, data.activities.totalCount));
    });

    const cursor = (value: unknown) =>
      Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
    it.each([
      ['garbage', 'garbage'],
      ['an empty string', ''],
      [
        'base64 of something that is not a cursor',
        cursor({ id: SEED_IDS.activities.tjDialogueNavobod }),
      ],
      [
        'a cursor whose id is not a UUID',
        cursor(['2023-01-01', '------------------------------------']),
      ],
      ['a date cursor holding a number', cursor([12, SEED_IDS.activities.tjDialogueNavobod])],
      [
        'a date cursor holding an impossible day',
        cursor(['2023-13-45', SEED_IDS.activities.tjDialogueNavobod]),
      ],
    ])('after: %s is BAD_USER_INPUT on field after', async (_what, after) => {
      const res = await server.graphql(
        'query ($after: String) { activities(first: 2, after: $after) { totalCount nodes { id } } }',
        { after },
        platformAdmin,
      );
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('a cursor from a list sorted by title is BAD_USER_INPUT in a list sorted by date', async () => {
      const byTitle = await read<{ activities: Page<{ id: string }> }>(
        '{ activities(first: 1, orderBy: { field: TITLE }) { pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id } } }',
      );
      const res = await server.graphql(
        `query ($after: String) {
          activities(first: 1, after: $after, orderBy: { field: START_DATE }) { nodes { id } }
        }`,
        { after: byTitle.activities.pageInfo.endCursor },
        platformAdmin,
      );
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    });

    it('a nested connection with a garbage after is BAD_USER_INPUT on field after', async () => {
      const res = await server.graphql(
        `query ($id: UUID!) { project(id: $id) { communities(after: "garbage") { totalCount } } }`,
        { id: SEED_IDS.projects.TJ },
        platformAdmin,
      );
      expect(res.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    });
  });

  describe('ids that are not UUIDs', () => {
    it.each(['project', 'community', 'activity'])(
      '%s(id: "not-a-uuid") written in the query is a validation error, not a server error',
      async (field) => {
        const res = await server.graphql(
          `{ ${field}(id: "not-a-uuid") { id } }`,
          {},
          platformAdmin,
        );
        expect(res.status).toBe(400);
        expect(res.body.data ?? null).toBeNull();
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors![0]!.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.body.errors![0]!.message).toMatch(/UUID/);
      },
    );

    it('a non-UUID id passed as a variable is BAD_USER_INPUT, not a server error', async () => {
      const res = await server.graphql(
        'query ($id: UUID!) { activity(id: $id) { id } }',
        { id: 'not-a-uuid' },
        platformAdmin,
      );
      expect(res.status).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
      expect(res.body.errors![0]!.message).toMatch(/UUID/);
    });

    it('a non-UUID in a filter of ids is a client error, not a server error', async () => {
      const res = await server.graphql(
        '{ activities(filter: { projectIds: ["not-a-uuid"] }) { totalCount } }',
        {},
        platformAdmin,
      );
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    });
  });
});
