import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Layer 3 of DESIGN §3 on its own: with shield and the scoped SQL switched off, PostgreSQL's
 * row-level security alone keeps every other tenant's rows away from a request; and, in SQL,
 * the application role reads and writes only the tenants set for its transaction.
 */

const T = SEED_IDS.tenants;
const O = SEED_IDS.organisations;

/** Every table carrying tenant_id, with row-level security forced (the migration's list). */
const TENANT_TABLES = [
  'memberships',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'activities',
  'measurements',
  'audit_events',
  'sharing_agreements',
] as const;

/** Rows the seed leaves out, so that every tenant table holds rows of TJ and of KG. */
async function addKgAndAuditRows(server: TestServer): Promise<void> {
  const q = (sql: string, params: unknown[]) => server.db.dataSource.query(sql, params);
  await q(
    `INSERT INTO measurements (tenant_id, indicator_id, project_id, community_id, period,
       measured_on, value, sample_size, recorded_by_organisation_id)
     VALUES ($1, $2, $3, $4, 'BASELINE', '2023-01-15', 41.5, 80, $5)`,
    [
      T.KG,
      SEED_IDS.indicators.DV_PREVALENCE,
      SEED_IDS.projects.KG,
      SEED_IDS.communities.kgJanyJol,
      O.kgWomenVoice,
    ],
  );
  await q(
    `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
       allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
     VALUES ($1, $2, ARRAY[$3]::uuid[], ARRAY['TENANT'], 'TENANT', 10, '2024-01-01', 'kg-admin')`,
    [T.KG, O.unWomen, SEED_IDS.indicators.DV_PREVALENCE],
  );
  await q(
    `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type)
     VALUES ($1, 'SYSTEM', 'test', 'seed', 'test'), ($2, 'SYSTEM', 'test', 'seed', 'test'),
            ($3, 'SYSTEM', 'test', 'seed', 'test')`,
    [T.TJ, T.KG, T.UZ],
  );
  // A KG-only indicator: global ones are for everyone, a tenant's own only for that tenant.
  await q(
    `INSERT INTO indicators (tenant_id, code, name, unit, direction)
     VALUES ($1, 'KG_RELIGIOUS_LEADERS_TRAINED', 'Religious leaders trained', 'COUNT', 'INCREASE_IS_BETTER')`,
    [T.KG],
  );
}

describe('row-level security alone, with shield and scoped SQL switched off', () => {
  let server: TestServer;
  let kgAndUzIds: Record<'project' | 'community' | 'activity', string[]>;

  beforeAll(async () => {
    server = await startTestServer({ unsafeTestLayers: { shield: false, scopedSql: false } });
    await addKgAndAuditRows(server);
    const ids = async (table: string): Promise<string[]> => {
      const rows = await server.db.dataSource.query<{ id: string }[]>(
        `SELECT id FROM ${table} WHERE tenant_id <> $1`,
        [T.TJ],
      );
      return rows.map((row) => row.id);
    };
    kgAndUzIds = {
      project: await ids('projects'),
      community: await ids('communities'),
      activity: await ids('activities'),
    };
  });
  afterAll(() => server.close());

  type Listed = { totalCount: number; nodes: { id: string; tenant: { code: string } }[] };
  const LISTS = `{
    projects(first: 100) { totalCount nodes { id tenant { code } } }
    communities(first: 100) { totalCount nodes { id tenant { code } } }
    activities(first: 100) { totalCount nodes { id tenant { code } } }
    measurements(first: 100) { totalCount nodes { id tenant { code } } } }`;

  async function tjCounts(): Promise<Record<string, number>> {
    const [row] = await server.db.dataSource.query<Record<string, number>[]>(
      `SELECT (SELECT count(*) FROM projects WHERE tenant_id = $1)::int AS projects,
              (SELECT count(*) FROM communities WHERE tenant_id = $1)::int AS communities,
              (SELECT count(*) FROM activities WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS activities,
              (SELECT count(*) FROM measurements WHERE tenant_id = $1 AND deleted_at IS NULL)::int AS measurements`,
      [T.TJ],
    );
    return row!;
  }

  it('the switch is really off: a TJ partner now reads the TJ pilot, which scoped SQL would hide from it', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjEditor.subject);
    const res = await server.graphql<{ project: { id: string } | null }>(
      `query ($id: UUID!) { project(id: $id) { id } }`,
      { id: SEED_IDS.projects.tjPilot },
      token,
    );
    expect(res.body.data?.project).toEqual({ id: SEED_IDS.projects.tjPilot });
  });

  it.each([
    ['a TJ tenant admin', DEMO_USERS.tjAdmin.subject],
    ['a TJ partner editor', DEMO_USERS.tjEditor.subject],
  ])('%s lists TJ rows only, and totalCount counts TJ rows only', async (_label, subject) => {
    const token = await server.tokenFor(subject);
    const res = await server.graphql<Record<string, Listed>>(LISTS, {}, token);
    expect(res.body.errors).toBeUndefined();
    const expected = await tjCounts();
    for (const [field, page] of Object.entries(res.body.data!)) {
      expect(page.nodes.map((node) => node.tenant.code).filter((code) => code !== 'TJ')).toEqual(
        [],
      );
      // With the project filter gone, RLS is the only condition: every TJ row, no other.
      expect({ field, totalCount: page.totalCount }).toEqual({
        field,
        totalCount: expected[field],
      });
      expect(page.nodes).toHaveLength(expected[field]!);
    }
  });

  it.each([
    ['a TJ tenant admin', DEMO_USERS.tjAdmin.subject],
    ['a TJ partner editor', DEMO_USERS.tjEditor.subject],
  ])('%s gets null for every KG and UZ id it looks up', async (_label, subject) => {
    const token = await server.tokenFor(subject);
    const fields = Object.entries(kgAndUzIds).flatMap(([kind, ids]) =>
      ids.map((id, i) => `${kind}_${i}: ${kind}(id: "${id}") { id }`),
    );
    expect(fields.length).toBeGreaterThan(10);
    const res = await server.graphql<Record<string, unknown>>(
      `{ ${fields.join('\n')} }`,
      {},
      token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(Object.values(res.body.data!).every((value) => value === null)).toBe(true);
  });

  it('a TJ partner reaches no KG row through filters naming KG, nor through KG indicators', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjEditor.subject);
    const res = await server.graphql<Record<string, { totalCount: number }>>(
      `query ($kgProject: UUID!) {
        projects(filter: { tenantCodes: ["KG"] }) { totalCount }
        activities(filter: { projectIds: [$kgProject] }) { totalCount }
        measurements(filter: { projectIds: [$kgProject] }) { totalCount }
        indicators(first: 100, filter: { codes: ["KG_RELIGIOUS_LEADERS_TRAINED"] }) { totalCount } }`,
      { kgProject: SEED_IDS.projects.KG },
      token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(Object.values(res.body.data!).map((page) => page.totalCount)).toEqual([0, 0, 0, 0]);
  });

  it('the analyst, whose roles set no tenant, reads no row at all', async () => {
    const token = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
    const res = await server.graphql<Record<string, Listed>>(LISTS, {}, token);
    expect(res.body.errors).toBeUndefined();
    for (const page of Object.values(res.body.data!))
      expect(page).toEqual({ totalCount: 0, nodes: [] });
  });

  describe('in SQL, as the application role', () => {
    /** Runs `work` in a transaction as dg_app, with app.tenant_ids set to `tenants` (unset when null). */
    async function asApp<R>(
      tenants: string[] | null,
      work: (client: PoolClient) => Promise<R>,
    ): Promise<R> {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL ROLE ${APPLICATION_ROLE}`);
        if (tenants)
          await client.query(`SELECT set_config('app.tenant_ids', $1, true)`, [tenants.join(',')]);
        return await work(client);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }

    it('has rows of more than one tenant in every tenant table, so the checks below mean something', async () => {
      for (const table of TENANT_TABLES) {
        const rows = await server.db.dataSource.query<{ n: number }[]>(
          `SELECT count(DISTINCT tenant_id)::int AS n FROM ${table}`,
        );
        expect({ table, tenants: rows[0]!.n }).toEqual({
          table,
          tenants: expect.any(Number) as number,
        });
        expect(rows[0]!.n).toBeGreaterThan(1);
      }
    });

    it.each(TENANT_TABLES)(
      'SELECT from %s with app.tenant_ids = TJ returns TJ rows only, and all of them',
      async (table) => {
        const [owner] = await server.db.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`,
          [T.TJ],
        );
        const rows = await asApp(
          [T.TJ],
          async (client) =>
            (await client.query<{ tenant_id: string }>(`SELECT tenant_id FROM ${table}`)).rows,
        );
        expect(rows.filter((row) => row.tenant_id !== T.TJ)).toEqual([]);
        expect(rows).toHaveLength(owner!.n);
        expect(rows.length).toBeGreaterThan(0);
      },
    );

    it('indicators with app.tenant_ids = TJ: the global ones, not KG’s own', async () => {
      const rows = await asApp(
        [T.TJ],
        async (client) =>
          (await client.query<{ tenant_id: string | null }>(`SELECT tenant_id FROM indicators`))
            .rows,
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.tenant_id === null)).toBe(true);
    });

    it.each(TENANT_TABLES)('with app.tenant_ids unset nothing in %s is visible', async (table) => {
      const count = await asApp(null, async (client) => {
        const { rows } = await client.query<{ setting: string | null; n: number }>(
          `SELECT current_setting('app.tenant_ids', true) AS setting, count(*)::int AS n FROM ${table}`,
        );
        expect(rows[0]!.setting ?? '').toBe('');
        return rows[0]!.n;
      });
      expect(count).toBe(0);
    });

    it('with app.tenant_ids empty nothing is visible either', async () => {
      const count = await asApp([], async (client) =>
        Number(
          (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM projects`)).rows[0]!.n,
        ),
      );
      expect(count).toBe(0);
    });

    it.each([
      [
        'projects',
        `INSERT INTO projects (tenant_id, code, name, status, start_date)
         VALUES ($1, 'SMUGGLED', 'Smuggled into KG', 'ACTIVE', '2025-01-01')`,
        (kg: string) => [kg],
      ],
      [
        'communities',
        `INSERT INTO communities (tenant_id, name, region, district, settlement)
         VALUES ($1, 'Smuggled', 'Osh', 'Osh', 'URBAN')`,
        (kg: string) => [kg],
      ],
      [
        'activities',
        `INSERT INTO activities (tenant_id, project_id, type, title, start_date, recorded_by_organisation_id)
         VALUES ($1, $2, 'TRAINING', 'Smuggled', '2025-01-01', $3)`,
        (kg: string) => [kg, SEED_IDS.projects.KG, O.kgWomenVoice],
      ],
      [
        'memberships',
        `INSERT INTO memberships (tenant_id, user_id, organisation_id, role)
         VALUES ($1, $2, $3, 'TENANT_ADMIN')`,
        (kg: string) => [kg, SEED_IDS.users.tjEditor, O.tjWomenRights],
      ],
      [
        'audit_events',
        `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type)
         VALUES ($1, 'SYSTEM', 'forger', 'forge', 'test')`,
        (kg: string) => [kg],
      ],
    ] as const)(
      'INSERT of a KG row into %s is refused by WITH CHECK',
      async (_table, sql, params) => {
        await expect(
          asApp([T.TJ], (client) => client.query(sql, params(T.KG) as unknown[])),
        ).rejects.toThrow(/row-level security/);
      },
    );

    it('an UPDATE cannot move a TJ row into KG, nor touch a KG row', async () => {
      await expect(
        asApp([T.TJ], (client) =>
          client.query(`UPDATE communities SET tenant_id = $1 WHERE tenant_id = $2`, [T.KG, T.TJ]),
        ),
      ).rejects.toThrow(/row-level security|foreign key/);
      const touched = await asApp(
        [T.TJ],
        async (client) =>
          (await client.query(`UPDATE projects SET name = 'hijacked' WHERE tenant_id = $1`, [T.KG]))
            .rowCount,
      );
      expect(touched).toBe(0);
    });
  });

  describe('the catalogue', () => {
    it('dg_app is no superuser, has no BYPASSRLS and cannot log in', async () => {
      const rows = await server.db.dataSource.query<Record<string, boolean>[]>(
        `SELECT rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1`,
        [APPLICATION_ROLE],
      );
      expect(rows).toEqual([
        {
          rolsuper: false,
          rolbypassrls: false,
          rolcanlogin: false,
          rolcreaterole: false,
          rolcreatedb: false,
        },
      ]);
    });

    it('dg_app owns no table, view, sequence or function, and inherits no role that bypasses RLS', async () => {
      const owned = await server.db.dataSource.query<unknown[]>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE pg_get_userbyid(c.relowner) = $1
         UNION ALL
         SELECT p.proname FROM pg_proc p WHERE pg_get_userbyid(p.proowner) = $1`,
        [APPLICATION_ROLE],
      );
      expect(owned).toEqual([]);
      const granted = await server.db.dataSource.query<unknown[]>(
        `SELECT r.rolname FROM pg_auth_members m
           JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles a ON a.oid = m.member
          WHERE a.rolname = $1 AND (r.rolsuper OR r.rolbypassrls)`,
        [APPLICATION_ROLE],
      );
      expect(granted).toEqual([]);
    });

    it('every table with a tenant_id column has row-level security enabled and forced, with a policy', async () => {
      const rows = await server.db.dataSource.query<
        { table: string; enabled: boolean; forced: boolean; policies: number }[]
      >(
        `SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'tenant_id' AND NOT a.attisdropped)
          ORDER BY 1`,
      );
      // outcome_series, outcome_totals and outcome_record_keys: derived sums and record keys
      // that only SECURITY DEFINER functions read (dg_app holds no privilege on them), so they
      // are not in TENANT_TABLES, whose tests read as dg_app.
      expect(rows.map((row) => row.table)).toEqual(
        [
          ...TENANT_TABLES,
          'idempotency_keys',
          'indicators',
          'outcome_record_keys',
          'outcome_series',
          'outcome_totals',
        ].sort(),
      );
      for (const row of rows) {
        expect(row).toEqual({
          table: row.table,
          enabled: true,
          forced: true,
          policies: expect.any(Number) as number,
        });
        expect(row.policies).toBeGreaterThan(0);
      }
    });

    it('no view lets dg_app read around the policies (none without security_invoker)', async () => {
      const views = await server.db.dataSource.query<unknown[]>(
        `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
            AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)
            AND has_table_privilege($1, c.oid, 'SELECT')`,
        [APPLICATION_ROLE],
      );
      expect(views).toEqual([]);
    });
  });
});
