import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { generateApiKey } from '../../src/auth/api-key-secret';
import { poolOf } from '../../src/db/data-source';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/*
 * Nothing of one request's tenant setting reaches the next user of a pooled connection: on a
 * pool of ONE connection, hundreds of interleaved requests of a TJ, a KG and a UZ principal
 * each see only their own tenant, and the connection comes back to the pool as the owner with
 * no tenant set.
 */

const REQUESTS = 300;

type Row = { id: string; tenant: { code: string } };
type Page = { totalCount: number; nodes: Row[] };
type Data = {
  me: { subject: string; memberships: { tenant: { code: string } }[] };
  projects: Page;
  communities: Page;
  activities: Page;
  tenants: { nodes: { code: string }[] };
};

const QUERY = `{
  me { subject memberships { tenant { code } } }
  tenants { nodes { code } }
  projects(first: 100) { totalCount nodes { id tenant { code } } }
  communities(first: 100) { totalCount nodes { id tenant { code } } }
  activities(first: 100) { totalCount nodes { id tenant { code } } } }`;

describe('a pool of one connection under interleaved requests of two tenants', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      // One connection, and room to queue for it: a few hundred requests wait their turn.
      env: { DB_POOL_MAX: '1', DB_CONNECTION_TIMEOUT_MS: '60000' },
    });
  });
  afterAll(() => server.close());

  async function idsOf(
    tenant: string,
  ): Promise<Record<'projects' | 'communities' | 'activities', string[]>> {
    const ids = async (sql: string) =>
      (await server.db.dataSource.query<{ id: string }[]>(sql, [tenant])).map((r) => r.id).sort();
    return {
      projects: await ids(`SELECT id FROM projects WHERE tenant_id = $1`),
      communities: await ids(`SELECT id FROM communities WHERE tenant_id = $1`),
      activities: await ids(
        `SELECT id FROM activities WHERE tenant_id = $1 AND deleted_at IS NULL`,
      ),
    };
  }

  it('really has one connection', () => {
    expect(poolOf(server.db.dataSource).options.max).toBe(1);
  });

  it(`${REQUESTS} interleaved requests of a TJ admin, a KG admin and a UZ API key each see only their own tenant`, async () => {
    // A key of International Alert for UZ alone: the key path (and its last-used write on the
    // same one-connection pool) takes part in the interleaving too.
    const key = generateApiKey();
    await server.db.dataSource.query(
      `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, tenant_ids, scopes)
       VALUES ($1, 'UZ pool test', $2, $3, ARRAY[$4]::uuid[], ARRAY['read'])`,
      [SEED_IDS.organisations.internationalAlert, key.prefix, key.secretHash, SEED_IDS.tenants.UZ],
    );
    const principals = [
      {
        code: 'TJ',
        subject: DEMO_USERS.tjAdmin.subject,
        auth: await server.tokenFor(DEMO_USERS.tjAdmin.subject),
        expected: await idsOf(SEED_IDS.tenants.TJ),
      },
      {
        code: 'KG',
        subject: DEMO_USERS.kgAdmin.subject,
        auth: await server.tokenFor(DEMO_USERS.kgAdmin.subject),
        expected: await idsOf(SEED_IDS.tenants.KG),
      },
      {
        code: 'UZ',
        subject: key.prefix,
        auth: { apiKey: key.token },
        expected: await idsOf(SEED_IDS.tenants.UZ),
      },
    ];
    const pool = poolOf(server.db.dataSource);
    let maxWaiting = 0;
    const sampler = setInterval(() => {
      maxWaiting = Math.max(maxWaiting, pool.waitingCount);
    }, 1);

    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, i) => {
        const who = principals[i % principals.length]!;
        // Stagger the starts a little so arrivals interleave with completions.
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        return { who, res: await server.graphql<Data>(QUERY, {}, who.auth) };
      }),
    ).finally(() => clearInterval(sampler));

    // The requests did queue for the single connection, so they really interleaved.
    expect(maxWaiting).toBeGreaterThan(1);
    for (const { who, res } of responses) {
      expectOwnTenantOnly(res, who.code, who.subject, who.expected);
    }
  });

  it('requests abandoned mid-flight give their connection back: the next ones still run, and see only their own tenant', async () => {
    const token = await server.tokenFor(DEMO_USERS.kgEditor.subject);
    const tjToken = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const abandoned = Array.from({ length: 20 }, async (_, i) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 1 + (i % 5));
      await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${i % 2 ? token : tjToken}`,
        },
        body: JSON.stringify({ query: QUERY }),
        signal: controller.signal,
      }).catch(() => undefined);
    });
    await Promise.all(abandoned);
    const kg = await idsOf(SEED_IDS.tenants.KG);
    const after = await Promise.all(
      Array.from({ length: 10 }, () => server.graphql<Data>(QUERY, {}, token)),
    );
    for (const res of after) {
      expect(res.body.errors).toBeUndefined();
      for (const page of [
        res.body.data!.projects,
        res.body.data!.communities,
        res.body.data!.activities,
      ]) {
        expect(page.nodes.every((node) => node.tenant.code === 'KG')).toBe(true);
      }
      expect(res.body.data!.projects.nodes.map((p) => p.id)).toEqual([SEED_IDS.projects.KG]);
      expect(res.body.data!.activities.totalCount).toBe(kg.activities.length);
    }
  });

  it('afterwards the pooled connection is idle, runs as the owner, and has no tenant set', async () => {
    const pool = poolOf(server.db.dataSource);
    // Every request has ended, and so has its transaction: nothing holds the connection.
    await waitFor(() => pool.idleCount === pool.totalCount && pool.waitingCount === 0);
    expect(pool.totalCount).toBeLessThanOrEqual(1);
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{
        tenants: string | null;
        current_user: string;
        session_user: string;
        in_transaction: boolean;
      }>(
        `SELECT current_setting('app.tenant_ids', true) AS tenants, current_user, session_user,
                now() <> statement_timestamp() AS in_transaction`,
      );
      const row = rows[0]!;
      // Set only with set_config(..., true): it died with each transaction (empty, or never set).
      expect(row.tenants ?? '').toBe('');
      expect(row.current_user).toBe(row.session_user);
      expect(row.current_user).not.toBe('dg_app');
      expect(row.in_transaction).toBe(false);
      const owner = await client.query<{ owner: string }>(
        `SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'projects'`,
      );
      expect(owner.rows[0]!.owner).toBe(row.current_user);
    } finally {
      client.release();
    }
  });
});

function expectOwnTenantOnly(
  res: GraphQLResponse<Data>,
  code: string,
  subject: string,
  expected: Record<'projects' | 'communities' | 'activities', string[]>,
): void {
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  const data = res.body.data!;
  expect(data.me.subject).toBe(subject);
  expect(data.me.memberships.map((m) => m.tenant.code)).toEqual([code]);
  expect(data.tenants.nodes.map((t) => t.code)).toEqual([code]);
  for (const field of ['projects', 'communities', 'activities'] as const) {
    const page = data[field];
    const foreign = page.nodes.filter((node) => node.tenant.code !== code);
    expect({ field, foreign }).toEqual({ field, foreign: [] });
    expect(page.totalCount).toBe(expected[field].length);
    expect(page.nodes.map((node) => node.id).sort()).toEqual(expected[field]);
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
