import type { PoolClient } from 'pg';
import { hashApiKeySecret, parseApiKey } from '../../src/auth/api-key-secret';
import { poolOf } from '../../src/db/data-source';
import { ensureDevApiKey } from '../../seeds/dev-api-key';
import { DEMO_USERS, SEED_IDS, seedProgramme, type SeedReport } from '../../seeds/programme';
import { seedSynthetic, type SyntheticUnit } from '../../seeds/synthetic';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

const TABLES = [
  'tenants',
  'organisations',
  'users',
  'memberships',
  'indicators',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'activities',
  'measurements',
  'sharing_agreements',
  'api_keys',
];

async function countRows(
  client: PoolClient,
  tables: readonly string[],
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/** md5 of a table's rows in a fixed order, without the timestamps of the load itself. */
async function fingerprint(client: PoolClient, table: string): Promise<string> {
  const { rows } = await client.query<{ md5: string }>(
    `SELECT md5(coalesce(string_agg(r, E'\\n' ORDER BY r), '')) AS md5
       FROM (SELECT (to_jsonb(t) - 'created_at' - 'updated_at')::text AS r FROM ${table} t) x`,
  );
  return rows[0]!.md5;
}

describe('the programme seed', () => {
  let db: TestDatabase;
  let client: PoolClient;
  let first: SeedReport;

  beforeAll(async () => {
    db = await createTestDatabase();
    client = await poolOf(db.dataSource).connect();
    first = await seedProgramme(client);
  });
  afterAll(async () => {
    client?.release();
    await db?.drop();
  });

  it('loads every table, and a second run inserts nothing and changes no count', async () => {
    expect(first.inserted).toMatchObject({ tenants: 3, indicators: 5, sharing_agreements: 1 });
    for (const count of Object.values(first.inserted)) expect(count).toBeGreaterThan(0);
    const before = await countRows(client, TABLES);

    const second = await seedProgramme(client);

    expect(second.totalInserted).toBe(0);
    expect(Object.values(second.inserted).every((count) => count === 0)).toBe(true);
    expect(await countRows(client, TABLES)).toEqual(before);
  });

  it('reproduces the published Tajik results exactly: violence −50 %, savings ×8', async () => {
    // Sample-size-weighted means of BASELINE and ENDLINE, over the tenant, each region and each
    // community: the ratio must be exact in numeric, not merely close.
    for (const groupBy of ['NULL::text', 'c.region', 'c.id::text']) {
      const { rows } = await client.query<{
        code: string;
        grp: string | null;
        relative_change: string;
        fold_change: string;
        exact_half: boolean;
        exact_eightfold: boolean;
      }>(
        `WITH means AS (
           SELECT i.code, ${groupBy} AS grp, m.period,
                  sum(m.value * m.sample_size) / sum(m.sample_size) AS mean
             FROM measurements m
             JOIN indicators i ON i.id = m.indicator_id
             JOIN communities c ON c.tenant_id = m.tenant_id AND c.id = m.community_id
            WHERE m.tenant_id = $1 AND m.period IN ('BASELINE', 'ENDLINE')
              AND m.deleted_at IS NULL AND i.code IN ('DV_PREVALENCE', 'FAMILY_SAVINGS')
            GROUP BY 1, 2, 3)
         SELECT b.code, b.grp,
                (e.mean / b.mean - 1)::text AS relative_change, (e.mean / b.mean)::text AS fold_change,
                e.mean / b.mean - 1 = -0.5 AS exact_half, e.mean / b.mean = 8 AS exact_eightfold
           FROM means b
           JOIN means e ON e.code = b.code AND e.grp IS NOT DISTINCT FROM b.grp AND e.period = 'ENDLINE'
          WHERE b.period = 'BASELINE'`,
        [SEED_IDS.tenants.TJ],
      );
      const violence = rows.filter((r) => r.code === 'DV_PREVALENCE');
      const savings = rows.filter((r) => r.code === 'FAMILY_SAVINGS');
      expect(violence.length).toBeGreaterThan(0);
      expect(savings.length).toBe(violence.length);
      for (const row of violence) {
        expect(row.exact_half).toBe(true);
        expect(Number(row.relative_change)).toBe(-0.5);
      }
      for (const row of savings) {
        expect(row.exact_eightfold).toBe(true);
        expect(Number(row.fold_change)).toBe(8);
      }
    }
  });

  it('improves the other Tajik outcomes in their better direction, from at least 3 communities of n ≥ 10', async () => {
    const { rows } = await client.query<{
      code: string;
      improved: boolean;
      communities: number;
      smallest_sample: number;
    }>(
      `SELECT i.code,
              CASE i.direction
                WHEN 'DECREASE_IS_BETTER' THEN e.value < b.value ELSE e.value > b.value END AS improved,
              count(*) OVER (PARTITION BY i.code)::int AS communities,
              least(b.sample_size, e.sample_size) AS smallest_sample
         FROM measurements b
         JOIN measurements e ON e.tenant_id = b.tenant_id AND e.community_id = b.community_id
          AND e.indicator_id = b.indicator_id AND e.period = 'ENDLINE'
         JOIN indicators i ON i.id = b.indicator_id
        WHERE b.tenant_id = $1 AND b.period = 'BASELINE'`,
      [SEED_IDS.tenants.TJ],
    );
    expect(new Set(rows.map((r) => r.code)).size).toBe(5);
    for (const row of rows) {
      expect(row.improved).toBe(true);
      expect(row.communities).toBeGreaterThanOrEqual(3);
      expect(row.smallest_sample).toBeGreaterThanOrEqual(10);
    }
  });

  it('says on every Tajik value that it is illustrative and only the relative change is published', async () => {
    const { rows } = await client.query<{ source: string }>(
      `SELECT source FROM measurements WHERE tenant_id = $1`,
      [SEED_IDS.tenants.TJ],
    );
    expect(rows.length).toBe(40);
    for (const { source } of rows) {
      expect(source).toMatch(/illustrative/i);
      expect(source).toContain('publishes only the relative change');
    }
  });

  it('has in UZ one induction meeting, on 4 August, of twelve participants, run by International Alert', async () => {
    const { rows } = await client.query(
      `SELECT to_char(a.start_date, 'MM-DD') AS day,
              a.participants_female + a.participants_male + a.participants_other AS participants,
              o.name AS facilitator
         FROM activities a JOIN organisations o ON o.id = a.facilitator_organisation_id
        WHERE a.tenant_id = $1 AND a.type = 'INDUCTION_MEETING'`,
      [SEED_IDS.tenants.UZ],
    );
    expect(rows).toEqual([{ day: '08-04', participants: 12, facilitator: 'International Alert' }]);
  });

  it('has in KG religious-leader sessions facilitated by a religious institution', async () => {
    const { rows } = await client.query<{ kind: string }>(
      `SELECT o.kind FROM activities a JOIN organisations o ON o.id = a.facilitator_organisation_id
        WHERE a.tenant_id = $1 AND a.type = 'RELIGIOUS_LEADER_SESSION'`,
      [SEED_IDS.tenants.KG],
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.kind === 'RELIGIOUS_INSTITUTION')).toBe(true);
  });

  it('gives the TJ pilot a partner that is not a partner of the main TJ project, and vice versa', async () => {
    const partners = async (projectId: string): Promise<string[]> => {
      const { rows } = await client.query<{ organisation_id: string }>(
        `SELECT organisation_id FROM project_organisations
          WHERE tenant_id = $1 AND project_id = $2 AND role = 'PARTNER'`,
        [SEED_IDS.tenants.TJ, projectId],
      );
      return rows.map((r) => r.organisation_id);
    };
    const main = await partners(SEED_IDS.projects.TJ);
    const pilot = await partners(SEED_IDS.projects.tjPilot);
    expect(main).toContain(SEED_IDS.organisations.tjWomenRights);
    expect(pilot).toEqual([SEED_IDS.organisations.tjFamilyCentre]);
    expect(main.filter((id) => pilot.includes(id))).toEqual([]);
    // ≥ 5 activities in the main project, so paging has something to page.
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM activities WHERE tenant_id = $1 AND project_id = $2`,
      [SEED_IDS.tenants.TJ, SEED_IDS.projects.TJ],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(5);
  });

  it('gives the revoked demo user memberships that are all revoked', async () => {
    const { rows } = await client.query<{ total: number; active: number }>(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE revoked_at IS NULL)::int AS active
         FROM memberships WHERE user_id = $1`,
      [DEMO_USERS.revoked.id],
    );
    expect(rows[0]).toEqual({ total: 2, active: 0 });
  });

  it('round-trips Tajik, Kyrgyz, Russian and Uzbek names unchanged', async () => {
    const stored = await client.query<{ name: string }>(
      `SELECT name FROM communities WHERE tenant_id = $1 AND id = $2`,
      [SEED_IDS.tenants.TJ, SEED_IDS.communities.tjDusti],
    );
    expect(stored.rows[0]!.name).toBe('Дӯстӣ');

    const name = 'Ҷилликӯл ғ қ ҳ ӣ — Жаңы-Жер ң ө ү — Ёлочка — Qoʻshtepa, Gʻalaba';
    const { rows } = await client.query<{ name: string }>(
      `INSERT INTO communities (tenant_id, name, region, district, settlement)
       VALUES ($1, $2, 'Khatlon', 'Vose', 'RURAL') RETURNING name`,
      [SEED_IDS.tenants.TJ, name],
    );
    expect(rows[0]!.name).toBe(name);
    expect(Buffer.from(rows[0]!.name, 'utf8').equals(Buffer.from(name, 'utf8'))).toBe(true);
  });

  it('refuses a KG activity that points at a TJ community (foreign key, 23503)', async () => {
    await expect(
      client.query(
        `INSERT INTO activities (tenant_id, project_id, community_id, type, title, start_date,
                                 recorded_by_organisation_id)
         VALUES ($1, $2, $3, 'TRAINING', 'Cross-tenant reference', date '2024-05-01', $4)`,
        [
          SEED_IDS.tenants.KG,
          SEED_IDS.projects.KG,
          SEED_IDS.communities.tjNavobod,
          SEED_IDS.organisations.internationalAlert,
        ],
      ),
    ).rejects.toMatchObject({ code: '23503' });
  });

  it('makes the dev API key once, storing only its prefix and hash', async () => {
    const token = await ensureDevApiKey(client);
    expect(token).not.toBeNull();
    const parsed = parseApiKey(token!);
    expect(parsed).not.toBeNull();
    const { rows } = await client.query<{
      organisation_id: string;
      secret_hash: Buffer;
      tenant_ids: string[];
      scopes: string[];
    }>(`SELECT organisation_id, secret_hash, tenant_ids, scopes FROM api_keys WHERE prefix = $1`, [
      parsed!.prefix,
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.organisation_id).toBe(SEED_IDS.organisations.internationalAlert);
    expect(rows[0]!.secret_hash.equals(hashApiKeySecret(parsed!.secret))).toBe(true);
    expect([...rows[0]!.tenant_ids].sort()).toEqual(
      [SEED_IDS.tenants.TJ, SEED_IDS.tenants.KG, SEED_IDS.tenants.UZ].sort(),
    );
    expect(rows[0]!.scopes).toEqual(['read', 'write']);

    expect(await ensureDevApiKey(client)).toBeNull();
  });
});

describe('the synthetic generator at a tiny unit', () => {
  const unit: SyntheticUnit = { projects: 6, communities: 30, activities: 240, measurements: 600 };
  const SYNTHETIC_TABLES = [
    'organisations',
    'projects',
    'project_organisations',
    'communities',
    'project_communities',
    'activities',
    'measurements',
  ];
  const databases: { db: TestDatabase; client: PoolClient }[] = [];

  // Two databases seeded the same way, to prove the generator deterministic.
  beforeAll(async () => {
    await Promise.all(
      [0, 1].map(async () => {
        const db = await createTestDatabase();
        const client = await poolOf(db.dataSource).connect();
        databases.push({ db, client });
        await seedProgramme(client);
        await seedSynthetic(client, 1, undefined, { unit });
      }),
    );
  });
  afterAll(async () => {
    for (const { db, client } of databases) {
      client.release();
      await db.drop();
    }
  });

  it('adds exactly the rows requested', async () => {
    const { client } = databases[0]!;
    const { rows } = await client.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM projects WHERE code LIKE 'SYN-%')::int AS projects,
              (SELECT count(*) FROM communities WHERE created_by = 'seed:synthetic')::int AS communities,
              (SELECT count(*) FROM activities WHERE created_by = 'seed:synthetic')::int AS activities,
              (SELECT count(*) FROM measurements WHERE created_by = 'seed:synthetic')::int AS measurements,
              (SELECT count(*) FROM organisations WHERE NOT id = ANY ($1::uuid[]))::int AS organisations`,
      [Object.values(SEED_IDS.organisations)],
    );
    expect(rows[0]).toEqual({ ...unit, organisations: unit.projects });
  });

  it('generates identical rows and ids in two databases', async () => {
    for (const table of SYNTHETIC_TABLES) {
      const [a, b] = await Promise.all(databases.map(({ client }) => fingerprint(client, table)));
      expect({ table, md5: a }).toEqual({ table, md5: b });
    }
  });

  it('keeps activities and measurements inside their project and its communities', async () => {
    const { client } = databases[0]!;
    const { rows } = await client.query<Record<string, number>>(
      `SELECT
         (SELECT count(*) FROM activities a JOIN projects p ON p.tenant_id = a.tenant_id AND p.id = a.project_id
           WHERE a.start_date < p.start_date OR coalesce(a.end_date, a.start_date) > p.end_date)::int
           AS activities_outside_dates,
         (SELECT count(*) FROM activities a WHERE a.community_id IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM project_communities pc WHERE pc.tenant_id = a.tenant_id
               AND pc.project_id = a.project_id AND pc.community_id = a.community_id))::int
           AS activities_in_untargeted_communities,
         (SELECT count(*) FROM measurements m JOIN projects p ON p.tenant_id = m.tenant_id AND p.id = m.project_id
           WHERE m.measured_on NOT BETWEEN p.start_date AND p.end_date)::int AS measurements_outside_dates,
         (SELECT count(DISTINCT period) FROM measurements WHERE created_by = 'seed:synthetic')::int AS periods,
         (SELECT count(DISTINCT tenant_id) FROM activities WHERE created_by = 'seed:synthetic')::int AS tenants`,
    );
    expect(rows[0]).toEqual({
      activities_outside_dates: 0,
      activities_in_untargeted_communities: 0,
      measurements_outside_dates: 0,
      periods: 4,
      tenants: 3,
    });
  });

  it('does nothing when the unit is already there, and adds only the new unit at a larger scale', async () => {
    const { client } = databases[0]!;
    const lines: string[] = [];
    const again = await seedSynthetic(client, 1, (line) => lines.push(line), { unit });
    expect(again.unitsSkipped).toEqual([1]);
    expect(Object.values(again.inserted).every((count) => count === 0)).toBe(true);
    expect(lines.join('\n')).toMatch(/already present/);

    const twice = await seedSynthetic(client, 2, undefined, { unit });
    expect(twice.unitsLoaded).toEqual([2]);
    expect(twice.inserted).toMatchObject({
      projects: unit.projects,
      communities: unit.communities,
      activities: unit.activities,
      measurements: unit.measurements,
    });
  });

  it('rejects a scale that is not a whole number ≥ 1', async () => {
    const { client } = databases[0]!;
    await expect(seedSynthetic(client, 0)).rejects.toThrow(/scale/);
    await expect(seedSynthetic(client, 1.5)).rejects.toThrow(/scale/);
  });
});
