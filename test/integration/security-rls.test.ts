import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { parseApiKey } from '../../src/auth/api-key-secret';
import { Scope } from '../../src/auth/principal';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { insertApiKey } from '../../src/modules/api-key/api-key.service';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Layer 3 of DESIGN §3 on its own: with shield and the scoped SQL switched off, PostgreSQL's
 * row-level security alone keeps from every role of DESIGN §3 the rows it may not read —
 * other tenants' and, for partners, other projects' — and, in SQL as the application role
 * under a real principal's settings, refuses every write outside them.
 */

const T = SEED_IDS.tenants;
const O = SEED_IDS.organisations;
const P = SEED_IDS.projects;

/** Rows the seed leaves out, so that every table holds rows of TJ and of KG. */
async function addKgAndAuditRows(server: TestServer): Promise<void> {
  const q = (sql: string, params: unknown[]) => server.db.dataSource.query(sql, params);
  await q(
    `INSERT INTO measurements (tenant_id, indicator_id, project_id, community_id, period,
       measured_on, value, sample_size, recorded_by_organisation_id)
     VALUES ($1, $2, $3, $4, 'BASELINE', '2023-01-15', 41.5, 80, $5)`,
    [T.KG, SEED_IDS.indicators.DV_PREVALENCE, P.KG, SEED_IDS.communities.kgJanyJol, O.kgWomenVoice],
  );
  await q(
    `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
       allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
     VALUES ($1, $2, ARRAY[$3]::uuid[], ARRAY['TENANT'], 'TENANT', 10, '2024-01-01', 'kg-admin'),
            ($4, $2, ARRAY[$3]::uuid[], ARRAY['TENANT'], 'TENANT', 10, '2024-01-01', 'tj-admin')`,
    [T.KG, O.unWomen, SEED_IDS.indicators.DV_PREVALENCE, T.TJ],
  );
  await q(
    `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type)
     VALUES ($1, 'SYSTEM', 'test', 'seed', 'test'), ($2, 'SYSTEM', 'test', 'seed', 'test'),
            ($3, 'SYSTEM', 'test', 'seed', 'test')`,
    [T.TJ, T.KG, T.UZ],
  );
  await q(
    `INSERT INTO idempotency_keys (tenant_id, principal, key, operation, request_hash)
     VALUES ($1, $2, 'k1', 'importActivities', 'h'), ($3, $4, 'k1', 'importActivities', 'h')`,
    [T.TJ, `user:${DEMO_USERS.tjEditor.id}`, T.KG, `user:${DEMO_USERS.kgEditor.id}`],
  );
  // A KG-only indicator: global ones are for everyone, a tenant's own only for that tenant.
  await q(
    `INSERT INTO indicators (tenant_id, code, name, unit, direction)
     VALUES ($1, 'KG_RELIGIOUS_LEADERS_TRAINED', 'Religious leaders trained', 'COUNT', 'INCREASE_IS_BETTER')`,
    [T.KG],
  );
}

/** Who a principal is, for the oracle below: a user's subject, or an API key's shape. */
type Who =
  | { subject: string }
  | { organisationId: string; tenantIds: string[]; scopes: Scope[]; apiKey: string };

type Visible = {
  projects: Set<string>;
  communities: Set<string>;
  activities: Set<string>;
  measurements: Set<string>;
};

describe('row-level security alone, with shield and scoped SQL switched off', () => {
  let server: TestServer;
  /** Principals of every role of DESIGN §3, users and keys, by label. */
  const principals: Record<string, Who> = {};

  beforeAll(async () => {
    server = await startTestServer({ unsafeTestLayers: { shield: false, scopedSql: false } });
    await addKgAndAuditRows(server);
    const run = <R extends object>(sql: string, params: unknown[]) =>
      server.db.dataSource.query<R[]>(sql, params);
    const key = async (organisationId: string, tenantIds: string[], scopes: Scope[]) => {
      const { token } = await insertApiKey(run, {
        organisationId,
        name: 'rls test key',
        tenantIds,
        scopes,
        expiresAt: null,
        createdBy: 'test',
      });
      return { organisationId, tenantIds, scopes, apiKey: token };
    };
    for (const [label, user] of [
      ['a platform admin', DEMO_USERS.platformAdmin],
      ['a TJ tenant admin', DEMO_USERS.tjAdmin],
      ['a TJ partner editor (main project)', DEMO_USERS.tjEditor],
      ['a TJ partner viewer (main project)', DEMO_USERS.tjViewer],
      ['a TJ partner editor (pilot only)', DEMO_USERS.tjPilotEditor],
      ['a KG partner editor', DEMO_USERS.kgEditor],
      ['an aggregate analyst', DEMO_USERS.unAnalyst],
    ] as const) {
      principals[label] = { subject: user.subject };
    }
    principals['the dev API key (implementer, TJ KG UZ)'] = await key(
      O.internationalAlert,
      [T.TJ, T.KG, T.UZ],
      [Scope.READ, Scope.WRITE],
    );
    principals['a TJ pilot partner’s read key'] = await key(O.tjFamilyCentre, [T.TJ], [Scope.READ]);
    principals['an aggregate-only key'] = await key(
      O.internationalAlert,
      [T.TJ],
      [Scope.AGGREGATE],
    );
  });
  afterAll(() => server.close());

  const sql = <R>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<R[]>(text, params);
  const ids = async (text: string, params: unknown[]) =>
    new Set((await sql<{ id: string }>(text, params)).map((row) => row.id));

  /**
   * What DESIGN §3 says the principal reads, computed from the owner's view of memberships,
   * project links and rows, independently of the policies (in TypeScript, so that the same
   * oracle runs on plain PostgreSQL and on Citus): admins their tenants, partners the projects
   * their organisation implements or partners in, analysts and aggregate keys nothing.
   */
  async function oracle(who: Who): Promise<Visible> {
    type Grant = { tenant_id: string; organisation_id: string | null; role: string };
    const grants =
      'subject' in who
        ? await sql<Grant>(
            `SELECT m.tenant_id, m.organisation_id, m.role FROM memberships m
               JOIN users u ON u.id = m.user_id WHERE u.subject = $1 AND m.revoked_at IS NULL
             UNION ALL
             SELECT t.id, NULL, 'TENANT_ADMIN' FROM tenants t, users u
              WHERE u.subject = $1 AND u.platform_admin`,
            [who.subject],
          )
        : await sql<Grant>(
            `SELECT m.tenant_id, m.organisation_id, m.role FROM memberships m
              WHERE m.organisation_id = $1 AND m.tenant_id = ANY ($2::uuid[])
                AND m.revoked_at IS NULL AND $3::text[] && ARRAY['read', 'write', 'admin']`,
            [who.organisationId, who.tenantIds, who.scopes],
          );
    const administered = new Set(
      grants.filter((g) => g.role === 'TENANT_ADMIN').map((g) => g.tenant_id),
    );
    const partners = grants.filter((g) => ['PARTNER_EDITOR', 'PARTNER_VIEWER'].includes(g.role));
    const links = await sql<{ tenant_id: string; project_id: string; organisation_id: string }>(
      `SELECT tenant_id, project_id, organisation_id FROM project_organisations
        WHERE role IN ('IMPLEMENTER', 'PARTNER')`,
    );
    const readsProject = (tenant: string, project: string) =>
      administered.has(tenant) ||
      partners.some(
        (g) =>
          g.tenant_id === tenant &&
          links.some(
            (l) =>
              l.tenant_id === tenant &&
              l.project_id === project &&
              l.organisation_id === g.organisation_id,
          ),
      );
    type Row = { id: string; tenant_id: string; project_id: string };
    const visible = (rows: Row[]) =>
      new Set(rows.filter((r) => readsProject(r.tenant_id, r.project_id)).map((r) => r.id));
    const projects = visible(
      await sql<Row>(`SELECT id, tenant_id, id AS project_id FROM projects`),
    );
    const targeted = await sql<{ tenant_id: string; project_id: string; community_id: string }>(
      `SELECT tenant_id, project_id, community_id FROM project_communities`,
    );
    const communities = (
      await sql<{ id: string; tenant_id: string }>(`SELECT id, tenant_id FROM communities`)
    ).filter(
      (c) =>
        administered.has(c.tenant_id) ||
        targeted.some(
          (pc) =>
            pc.tenant_id === c.tenant_id && pc.community_id === c.id && projects.has(pc.project_id),
        ),
    );
    return {
      projects,
      communities: new Set(communities.map((c) => c.id)),
      activities: visible(
        await sql<Row>(`SELECT id, tenant_id, project_id FROM activities WHERE deleted_at IS NULL`),
      ),
      measurements: visible(
        await sql<Row>(
          `SELECT id, tenant_id, project_id FROM measurements WHERE deleted_at IS NULL`,
        ),
      ),
    };
  }

  const authOf = async (who: Who) =>
    'subject' in who ? await server.tokenFor(who.subject) : { apiKey: who.apiKey };

  const LISTS = `{
    projects(first: 100) { totalCount nodes { id } }
    communities(first: 100) { totalCount nodes { id } }
    activities(first: 100) { totalCount nodes { id } }
    measurements(first: 100) { totalCount nodes { id } } }`;
  type Listed = { totalCount: number; nodes: { id: string }[] };

  it('the switch is really off: the TJ admin’s lists come back whole although scoped SQL is gone', async () => {
    const res = await server.graphql<{ project: { id: string } | null }>(
      `query ($id: UUID!) { project(id: $id) { id } }`,
      { id: P.tjPilot },
      await server.tokenFor(DEMO_USERS.tjAdmin.subject),
    );
    expect(res.body.data?.project).toEqual({ id: P.tjPilot });
  });

  it('the oracle tells the roles apart, so the comparisons below mean something', async () => {
    const main = await oracle(principals['a TJ partner editor (main project)']!);
    const pilot = await oracle(principals['a TJ partner editor (pilot only)']!);
    const admin = await oracle(principals['a TJ tenant admin']!);
    expect([...main.projects]).toEqual([P.TJ]);
    expect([...pilot.projects]).toEqual([P.tjPilot]);
    expect(admin.projects).toEqual(new Set([P.TJ, P.tjPilot]));
    expect(pilot.activities.size).toBeGreaterThan(0);
    expect([...pilot.activities].some((id) => main.activities.has(id))).toBe(false);
    expect((await oracle(principals['an aggregate analyst']!)).projects.size).toBe(0);
  });

  it.each([
    'a platform admin',
    'a TJ tenant admin',
    'a TJ partner editor (main project)',
    'a TJ partner viewer (main project)',
    'a TJ partner editor (pilot only)',
    'a KG partner editor',
    'an aggregate analyst',
    'the dev API key (implementer, TJ KG UZ)',
    'a TJ pilot partner’s read key',
    'an aggregate-only key',
  ])('%s lists exactly the rows DESIGN §3 gives it, and counts no other', async (label) => {
    const who = principals[label]!;
    const res = await server.graphql<Record<keyof Visible, Listed>>(LISTS, {}, await authOf(who));
    expect(res.body.errors).toBeUndefined();
    const expected = await oracle(who);
    for (const field of ['projects', 'communities', 'activities', 'measurements'] as const) {
      const page = res.body.data![field];
      expect({ field, ids: new Set(page.nodes.map((node) => node.id)) }).toEqual({
        field,
        ids: expected[field],
      });
      expect({ field, totalCount: page.totalCount }).toEqual({
        field,
        totalCount: expected[field].size,
      });
    }
  });

  it.each([
    'a TJ tenant admin',
    'a TJ partner editor (main project)',
    'a TJ partner viewer (main project)',
    'a TJ partner editor (pilot only)',
    'a TJ pilot partner’s read key',
    'an aggregate analyst',
  ])('%s gets null for every id it may not read, looked up one by one', async (label) => {
    const who = principals[label]!;
    const visible = await oracle(who);
    const hidden = async (kind: 'project' | 'community' | 'activity', table: string) =>
      [...(await ids(`SELECT id FROM ${table}`, []))]
        .filter((id) => !visible[`${table}` as keyof Visible].has(id))
        .map((id, i) => `${kind}_${i}: ${kind}(id: "${id}") { id }`);
    const fields = [
      ...(await hidden('project', 'projects')),
      ...(await hidden('community', 'communities')),
      ...(await hidden('activity', 'activities')),
    ];
    expect(fields.length).toBeGreaterThan(3);
    // In batches within the alias limit.
    const auth = await authOf(who);
    for (let i = 0; i < fields.length; i += 15) {
      const res = await server.graphql<Record<string, unknown>>(
        `{ ${fields.slice(i, i + 15).join('\n')} }`,
        {},
        auth,
      );
      expect(res.body.errors).toBeUndefined();
      expect(Object.entries(res.body.data!).filter(([, value]) => value !== null)).toEqual([]);
    }
  });

  it.each([
    'a platform admin',
    'a TJ tenant admin',
    'a TJ partner editor (pilot only)',
    'a KG partner editor',
    'an aggregate analyst',
    'the dev API key (implementer, TJ KG UZ)',
    'a TJ pilot partner’s read key',
  ])(
    '%s finds by externalId and updatedSince exactly the rows of those ids it may read, with row-level security alone',
    async (label) => {
      const who = principals[label]!;
      const tagged = await sql<{ id: string; externalId: string }>(
        `SELECT id, external_id AS "externalId" FROM activities
          WHERE external_id IS NOT NULL AND deleted_at IS NULL`,
      );
      expect(new Set(tagged.map((row) => row.externalId)).size).toBeGreaterThan(10);
      const res = await server.graphql<{ activities: Listed }>(
        `query ($ids: [String!]) { activities(first: 100, orderBy: { field: UPDATED_AT },
           filter: { externalIds: $ids, updatedSince: "2000-01-01T00:00:00.000Z" }) {
           totalCount nodes { id } } }`,
        { ids: [...new Set(tagged.map((row) => row.externalId))].slice(0, 100) },
        await authOf(who),
      );
      expect(res.body.errors).toBeUndefined();
      const visible = (await oracle(who)).activities;
      const expected = new Set(tagged.map((row) => row.id).filter((id) => visible.has(id)));
      expect(new Set(res.body.data!.activities.nodes.map((node) => node.id))).toEqual(expected);
      expect(res.body.data!.activities.totalCount).toBe(expected.size);
    },
  );

  it('a TJ partner reaches no KG row through filters naming KG, nor through KG indicators', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjEditor.subject);
    const res = await server.graphql<Record<string, { totalCount: number }>>(
      `query ($kgProject: UUID!, $pilot: UUID!) {
        projects(filter: { tenantCodes: ["KG"] }) { totalCount }
        activities(filter: { projectIds: [$kgProject, $pilot] }) { totalCount }
        measurements(filter: { projectIds: [$kgProject, $pilot] }) { totalCount }
        indicators(first: 100, filter: { codes: ["KG_RELIGIOUS_LEADERS_TRAINED"] }) { totalCount } }`,
      { kgProject: P.KG, pilot: P.tjPilot },
      token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(Object.values(res.body.data!).map((page) => page.totalCount)).toEqual([0, 0, 0, 0]);
  });

  it('a partner of the TJ main project cannot write into the TJ pilot, even with shield and scoped SQL off', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjEditor.subject);
    const before = await sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM activities WHERE project_id = $1',
      [P.tjPilot],
    );
    const res = await server.graphql(
      `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`,
      {
        input: {
          projectId: P.tjPilot,
          type: 'TRAINING',
          title: 'Smuggled into the pilot',
          startDate: '2024-05-01',
          participants: { female: 1, male: 0, other: 0 },
        },
      },
      token,
    );
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toMatch(/NOT_FOUND|BAD_USER_INPUT|FORBIDDEN/);
    expect(
      await sql('SELECT count(*)::int AS n FROM activities WHERE project_id = $1', [P.tjPilot]),
    ).toEqual(before);
  });

  describe('in SQL, as the application role under a real principal’s settings', () => {
    /**
     * Runs `work` as dg_app after the preamble a request of `who` runs (the principal
     * function, as the owner), in a transaction that is rolled back.
     */
    async function asPrincipal<R>(
      who: Who | null,
      work: (c: PoolClient) => Promise<R>,
    ): Promise<R> {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        await client.query('BEGIN');
        if (who && 'subject' in who) {
          await client.query('SELECT * FROM request_user_principal($1)', [who.subject]);
        } else if (who) {
          await client.query('SELECT * FROM request_key_principal($1)', [
            parseApiKey(who.apiKey)!.prefix,
          ]);
        }
        await client.query(`SET LOCAL ROLE ${APPLICATION_ROLE}`);
        return await work(client);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
    const user = (u: { subject: string }) => ({ subject: u.subject });
    const rows = async (who: Who | null, text: string, params: unknown[] = []) =>
      asPrincipal(who, async (c) => (await c.query<Record<string, unknown>>(text, params)).rows);
    const changed = async (who: Who | null, text: string, params: unknown[] = []) =>
      asPrincipal(who, async (c) => (await c.query(text, params)).rowCount);
    const refused = (who: Who | null, text: string, params: unknown[] = []) =>
      expect(asPrincipal(who, (c) => c.query(text, params))).rejects.toThrow(
        // Citus refuses a change of the distribution column before privileges are checked.
        /row-level security|permission denied|modifying the partition value of rows is not allowed/,
      );

    it('the partner scope holds in SQL: the main project’s partner reads no pilot row of any table', async () => {
      const editor = user(DEMO_USERS.tjEditor);
      for (const table of [
        'activities',
        'measurements',
        'project_organisations',
        'project_communities',
      ]) {
        expect({
          table,
          rows: await rows(editor, `SELECT 1 FROM ${table} WHERE project_id = $1`, [P.tjPilot]),
        }).toEqual({ table, rows: [] });
        expect(
          (await rows(editor, `SELECT 1 FROM ${table} WHERE project_id = $1`, [P.TJ])).length,
        ).toBeGreaterThan(0);
      }
      expect(await rows(editor, 'SELECT 1 FROM projects WHERE id = $1', [P.tjPilot])).toEqual([]);
      // Communities only the pilot targets.
      expect(
        await rows(
          editor,
          `SELECT c.id FROM communities c WHERE NOT EXISTS (SELECT 1 FROM project_communities pc
             WHERE pc.tenant_id = c.tenant_id AND pc.community_id = c.id AND pc.project_id = $1)`,
          [P.TJ],
        ),
      ).toEqual([]);
    });

    it('a partner writes activities only in its projects, and a viewer none at all', async () => {
      const insert = `INSERT INTO activities (tenant_id, project_id, type, title, start_date, recorded_by_organisation_id)
        VALUES ($1, $2, 'TRAINING', 'Smuggled', '2024-05-01', $3)`;
      await refused(user(DEMO_USERS.tjEditor), insert, [T.TJ, P.tjPilot, O.tjWomenRights]);
      await refused(user(DEMO_USERS.tjViewer), insert, [T.TJ, P.TJ, O.tjWomenRights]);
      expect(await changed(user(DEMO_USERS.tjEditor), insert, [T.TJ, P.TJ, O.tjWomenRights])).toBe(
        1,
      );
      // Nor move one of its activities into the pilot, nor touch a pilot activity.
      await refused(
        user(DEMO_USERS.tjEditor),
        'UPDATE activities SET project_id = $1 WHERE project_id = $2',
        [P.tjPilot, P.TJ],
      );
      expect(
        await changed(
          user(DEMO_USERS.tjEditor),
          `UPDATE activities SET title = 'hijacked' WHERE project_id = $1`,
          [P.tjPilot],
        ),
      ).toBe(0);
      // Partners never write projects, communities or their links.
      await refused(
        user(DEMO_USERS.tjEditor),
        `INSERT INTO communities (tenant_id, name, region, district, settlement) VALUES ($1, 'x', 'x', 'x', 'RURAL')`,
        [T.TJ],
      );
      expect(
        await changed(
          user(DEMO_USERS.tjEditor),
          `UPDATE projects SET name = 'hijacked' WHERE id = $1`,
          [P.TJ],
        ),
      ).toBe(0);
    });

    it('api_keys: an admin sees only keys of tenants it administers, never a secret hash, and cannot revive or widen a key', async () => {
      const tjAdmin = user(DEMO_USERS.tjAdmin);
      const visible = await rows(tjAdmin, 'SELECT tenant_ids FROM api_keys');
      expect(
        visible.every((k) => (k as { tenant_ids: string[] }).tenant_ids.every((t) => t === T.TJ)),
      ).toBe(true);
      // The dev key works in KG and UZ as well: not the TJ admin's.
      expect(
        await rows(
          tjAdmin,
          'SELECT 1 FROM api_keys WHERE $1::uuid = ANY (tenant_ids) AND cardinality(tenant_ids) = 3',
          [T.KG],
        ),
      ).toEqual([]);
      expect(
        await rows(
          user(DEMO_USERS.platformAdmin),
          'SELECT 1 FROM api_keys WHERE cardinality(tenant_ids) = 3',
        ),
      ).not.toEqual([]);
      await refused(tjAdmin, 'SELECT secret_hash FROM api_keys');
      await refused(user(DEMO_USERS.platformAdmin), 'SELECT secret_hash FROM api_keys');
      await refused(
        tjAdmin,
        `UPDATE api_keys SET revoked_at = NULL, scopes = ARRAY['read', 'write', 'admin']`,
      );
      await refused(tjAdmin, `UPDATE api_keys SET tenant_ids = $1`, [[T.TJ, T.KG]]);
      await refused(tjAdmin, `DELETE FROM api_keys`);
      // Revoked stays revoked; a key of other tenants cannot even be revoked.
      await sql(
        `UPDATE api_keys SET revoked_at = now() WHERE name = 'rls test key' AND tenant_ids = $1`,
        [[T.TJ]],
      );
      expect(
        await changed(tjAdmin, 'UPDATE api_keys SET revoked_at = NULL WHERE tenant_ids = $1', [
          [T.TJ],
        ]),
      ).toBe(0);
      expect(
        await changed(
          tjAdmin,
          'UPDATE api_keys SET revoked_at = now() WHERE cardinality(tenant_ids) = 3',
        ),
      ).toBe(0);
      await refused(
        tjAdmin,
        `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, tenant_ids, scopes)
         VALUES ($1, 'forged', 'forgedkey1', '\\x00', $2, ARRAY['read'])`,
        [O.internationalAlert, [T.TJ, T.KG]],
      );
      await sql(`UPDATE api_keys SET revoked_at = NULL WHERE name = 'rls test key'`);
      // Partners and keys without the admin scope see no key at all.
      for (const who of [
        user(DEMO_USERS.tjEditor),
        principals['the dev API key (implementer, TJ KG UZ)']!,
      ]) {
        expect(await rows(who, 'SELECT 1 FROM api_keys')).toEqual([]);
      }
    });

    it('memberships: admins read and grant in their tenants only; nobody changes a role, user or tenant, or revives one', async () => {
      const tjAdmin = user(DEMO_USERS.tjAdmin);
      const tenants = await rows(tjAdmin, 'SELECT DISTINCT tenant_id FROM memberships');
      expect(tenants).toEqual([{ tenant_id: T.TJ }]);
      for (const who of [
        user(DEMO_USERS.tjEditor),
        user(DEMO_USERS.unAnalyst),
        principals['the dev API key (implementer, TJ KG UZ)']!,
      ]) {
        expect(await rows(who, 'SELECT 1 FROM memberships')).toEqual([]);
      }
      await refused(tjAdmin, `UPDATE memberships SET role = 'TENANT_ADMIN'`);
      await refused(tjAdmin, `UPDATE memberships SET user_id = $1`, [DEMO_USERS.tjEditor.id]);
      await refused(tjAdmin, `UPDATE memberships SET tenant_id = $1`, [T.KG]);
      await refused(tjAdmin, `DELETE FROM memberships`);
      expect(
        await changed(
          tjAdmin,
          'UPDATE memberships SET revoked_at = NULL WHERE revoked_at IS NOT NULL',
        ),
      ).toBe(0);
      await refused(
        tjAdmin,
        `INSERT INTO memberships (tenant_id, user_id, organisation_id, role) VALUES ($1, $2, $3, 'TENANT_ADMIN')`,
        [T.KG, DEMO_USERS.tjEditor.id, O.tjWomenRights],
      );
    });

    it('users: an admin sees only the users of its tenants, and nobody the identity provider’s subject', async () => {
      const seen = await rows(user(DEMO_USERS.tjAdmin), 'SELECT id FROM users');
      const expected = await sql<{ id: string }>(
        'SELECT DISTINCT user_id AS id FROM memberships WHERE tenant_id = $1',
        [T.TJ],
      );
      expect(new Set(seen.map((r) => (r as { id: string }).id))).toEqual(
        new Set(expected.map((r) => r.id)),
      );
      expect(seen.map((r) => (r as { id: string }).id)).not.toContain(DEMO_USERS.kgAdmin.id);
      expect(await rows(user(DEMO_USERS.tjEditor), 'SELECT id FROM users')).toEqual([]);
      await refused(user(DEMO_USERS.platformAdmin), 'SELECT subject FROM users');
      await refused(user(DEMO_USERS.platformAdmin), `UPDATE users SET platform_admin = true`);
      // The policy's function, called by dg_app with ids of its choosing, answers only for the
      // users of tenants the caller administers.
      const asks = (id: string | null) =>
        rows(user(DEMO_USERS.tjAdmin), 'SELECT app_administers_user($1) AS yes', [id]);
      expect(await asks(DEMO_USERS.tjEditor.id)).toEqual([{ yes: true }]);
      expect(await asks(DEMO_USERS.kgAdmin.id)).toEqual([{ yes: false }]);
      expect(await asks(null)).toEqual([{ yes: false }]);
      expect(
        await rows(user(DEMO_USERS.tjEditor), 'SELECT app_administers_user($1) AS yes', [
          DEMO_USERS.tjEditor.id,
        ]),
      ).toEqual([{ yes: false }]);
    });

    it('idempotency keys: a principal sees and writes only its own', async () => {
      const editor = user(DEMO_USERS.tjEditor);
      expect(await rows(editor, 'SELECT principal FROM idempotency_keys')).toEqual([
        { principal: `user:${DEMO_USERS.tjEditor.id}` },
      ]);
      expect(await rows(user(DEMO_USERS.tjAdmin), 'SELECT 1 FROM idempotency_keys')).toEqual([]);
      await refused(
        user(DEMO_USERS.tjAdmin),
        `INSERT INTO idempotency_keys (tenant_id, principal, key, operation, request_hash)
         VALUES ($1, $2, 'stolen', 'importActivities', 'h')`,
        [T.TJ, `user:${DEMO_USERS.tjEditor.id}`],
      );
      await refused(editor, `UPDATE idempotency_keys SET principal = 'user:x'`);
    });

    it('audit log and sharing agreements: admins read their tenants’ only; nobody rewrites the log or revives an agreement', async () => {
      const tjAdmin = user(DEMO_USERS.tjAdmin);
      for (const table of ['audit_events', 'sharing_agreements']) {
        expect(await rows(tjAdmin, `SELECT DISTINCT tenant_id FROM ${table}`)).toEqual([
          { tenant_id: T.TJ },
        ]);
        expect(await rows(user(DEMO_USERS.tjEditor), `SELECT 1 FROM ${table}`)).toEqual([]);
        expect(await rows(user(DEMO_USERS.unAnalyst), `SELECT 1 FROM ${table}`)).toEqual([]);
      }
      await refused(tjAdmin, `UPDATE audit_events SET action = 'nothing'`);
      await refused(tjAdmin, `DELETE FROM audit_events`);
      await refused(
        user(DEMO_USERS.tjEditor),
        `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type)
         VALUES ($1, 'SYSTEM', 'forger', 'forge', 'test')`,
        [T.KG],
      );
      await refused(tjAdmin, 'UPDATE sharing_agreements SET min_cell_size = 3');
      await refused(tjAdmin, 'UPDATE sharing_agreements SET recipient_organisation_id = $1', [
        O.kgWomenVoice,
      ]);
      await sql(`UPDATE sharing_agreements SET revoked_at = now() WHERE tenant_id = $1`, [T.TJ]);
      expect(await changed(tjAdmin, 'UPDATE sharing_agreements SET revoked_at = NULL')).toBe(0);
    });

    it('indicators: global ones are read by all and written by no request; a tenant’s own only by its admins', async () => {
      const tjAdmin = user(DEMO_USERS.tjAdmin);
      await refused(
        tjAdmin,
        `INSERT INTO indicators (tenant_id, code, name, unit, direction) VALUES (NULL, 'FORGED', 'x', 'COUNT', 'INCREASE_IS_BETTER')`,
      );
      expect(
        await changed(tjAdmin, `UPDATE indicators SET name = 'hijacked' WHERE tenant_id IS NULL`),
      ).toBe(0);
      expect(await changed(tjAdmin, `DELETE FROM indicators WHERE tenant_id IS NULL`)).toBe(0);
      await refused(tjAdmin, `UPDATE indicators SET tenant_id = $1 WHERE tenant_id IS NULL`, [
        T.TJ,
      ]);
      expect(
        await changed(tjAdmin, `UPDATE indicators SET name = 'hijacked' WHERE tenant_id = $1`, [
          T.KG,
        ]),
      ).toBe(0);
      await refused(
        user(DEMO_USERS.tjEditor),
        `INSERT INTO indicators (tenant_id, code, name, unit, direction) VALUES ($1, 'FORGED', 'x', 'COUNT', 'INCREASE_IS_BETTER')`,
        [T.TJ],
      );
    });

    it('no row moves between tenants and no row changes its author', async () => {
      const tjAdmin = user(DEMO_USERS.tjAdmin);
      for (const table of ['projects', 'communities', 'activities', 'measurements', 'indicators']) {
        await refused(tjAdmin, `UPDATE ${table} SET tenant_id = $1 WHERE tenant_id = $2`, [
          T.KG,
          T.TJ,
        ]);
        await refused(tjAdmin, `UPDATE ${table} SET created_by = 'forged'`);
        await refused(tjAdmin, `UPDATE ${table} SET created_at = now()`);
      }
      await refused(tjAdmin, `UPDATE activities SET recorded_by_organisation_id = $1`, [
        O.tjWomenRights,
      ]);
      await refused(tjAdmin, `DELETE FROM activities`);
      await refused(tjAdmin, `DELETE FROM measurements`);
    });

    it('the derived summary tables are out of reach', async () => {
      for (const table of ['outcome_series', 'outcome_totals', 'outcome_record_keys']) {
        await refused(user(DEMO_USERS.platformAdmin), `SELECT 1 FROM ${table}`);
      }
    });

    it('with no principal set, dg_app reads nothing but public reference data', async () => {
      for (const table of [
        'projects',
        'communities',
        'activities',
        'measurements',
        'memberships',
        'api_keys',
        'users',
        'audit_events',
        'sharing_agreements',
        'idempotency_keys',
        'project_organisations',
        'project_communities',
      ]) {
        expect({ table, rows: await rows(null, `SELECT 1 FROM ${table}`) }).toEqual({
          table,
          rows: [],
        });
      }
      expect((await rows(null, 'SELECT code FROM tenants')).length).toBe(3);
      expect(await rows(null, 'SELECT 1 FROM indicators WHERE tenant_id IS NOT NULL')).toEqual([]);
    });

    it('an aggregate analyst and an aggregate-only key set no tenant, project or write scope', async () => {
      for (const who of [user(DEMO_USERS.unAnalyst), principals['an aggregate-only key']!]) {
        const [settings] = await rows(
          who,
          `SELECT current_setting('app.tenant_ids', true) AS r, current_setting('app.partner_project_ids', true) AS p,
                  current_setting('app.write_tenant_ids', true) AS w, current_setting('app.admin_tenant_ids', true) AS a`,
        );
        expect(settings).toEqual({ r: '', p: '', w: '', a: '' });
      }
    });
  });
});
