import { createHash } from 'node:crypto';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { parseApiKey } from '../../src/auth/api-key-secret';
import { poolOf } from '../../src/db/data-source';
import {
  apiKeyCreateOptions,
  createApiKeyFromCli,
  UsageError,
} from '../../src/scripts/apikey-create';
import { type GraphQLResponse, startTestServer, type TestServer } from '../helpers/server';

/** docs/scaling.md, "Known gaps on Citus". */
/*
 * Issue 3, "Mutations for admins" and "Dev credentials", through the real HTTP server: admins
 * manage memberships and API keys in their own tenants only, and every change takes effect on
 * the next request.
 */

const O = SEED_IDS.organisations;
const M = SEED_IDS.memberships;

const MEMBERSHIP_FIELDS = `id role createdAt revokedAt invitedEmail tenant { code } organisation { id } user { id email }`;
const CREATE_MEMBERSHIP = `mutation ($input: CreateMembershipInput!) {
  createMembership(input: $input) { membership { ${MEMBERSHIP_FIELDS} } } }`;
const REVOKE_MEMBERSHIP = `mutation ($input: RevokeMembershipInput!) {
  revokeMembership(input: $input) { membership { ${MEMBERSHIP_FIELDS} } } }`;
const KEY_FIELDS = `id name prefix organisation { id } tenants { code } scopes expiresAt createdAt lastUsedAt revokedAt`;
const CREATE_API_KEY = `mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { apiKey { ${KEY_FIELDS} } secret } }`;
const REVOKE_API_KEY = `mutation ($input: RevokeApiKeyInput!) {
  revokeApiKey(input: $input) { apiKey { ${KEY_FIELDS} } } }`;
const API_KEYS = `query ($after: String) { apiKeys(first: 100, after: $after) { totalCount nodes { ${KEY_FIELDS} } } }`;
const MY_PROJECTS = '{ me { kind scopes } projects { totalCount nodes { code tenant { code } } } }';

type Membership = {
  id: string;
  role: string;
  createdAt: string;
  revokedAt: string | null;
  invitedEmail: string | null;
  tenant: { code: string };
  organisation: { id: string };
  user: { id: string; email: string } | null;
};
type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  organisation: { id: string };
  tenants: { code: string }[];
  scopes: string[];
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};

const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

describe('admin mutations', () => {
  let server: TestServer;
  const tokens: Record<'tjAdmin' | 'kgAdmin' | 'tjEditor' | 'platformAdmin' | 'revoked', string> = {
    tjAdmin: '',
    kgAdmin: '',
    tjEditor: '',
    platformAdmin: '',
    revoked: '',
  };

  beforeAll(async () => {
    server = await startTestServer();
    for (const key of Object.keys(tokens) as (keyof typeof tokens)[]) {
      tokens[key] = await server.tokenFor(DEMO_USERS[key].subject);
    }
  });
  afterAll(() => server.close());

  const sql = <T>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<T[]>(text, params);
  const count = async (text: string, params: unknown[] = []) =>
    (await sql<{ count: number }>(text, params))[0]!.count;

  function expectCode(res: GraphQLResponse, code: string, field?: string): void {
    expect(res.status).toBe(200);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors![0]!.extensions?.code).toBe(code);
    if (field !== undefined) expect(res.body.errors![0]!.extensions?.field).toBe(field);
    // No data: null, or the one (nullable) field asked for null.
    expect(Object.values(res.body.data ?? {}).every((value) => value === null)).toBe(true);
  }

  function expectUnauthenticated(res: GraphQLResponse): void {
    expect(res.status).toBe(401);
    expect(res.body.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
  }

  async function createMembership(
    auth: string | { apiKey: string },
    input: Record<string, unknown>,
  ) {
    return server.graphql<{ createMembership: { membership: Membership } }>(
      CREATE_MEMBERSHIP,
      { input },
      auth,
    );
  }

  async function createApiKey(auth: string | { apiKey: string }, input: Record<string, unknown>) {
    return server.graphql<{ createApiKey: { apiKey: ApiKey; secret: string } }>(
      CREATE_API_KEY,
      {
        input: {
          name: 'test key',
          organisationId: O.internationalAlert,
          tenantCodes: ['TJ'],
          scopes: ['READ'],
          ...input,
        },
      },
      auth,
    );
  }

  /** Creates a key as `auth` and returns it with its secret, failing the test on any error. */
  async function newKey(auth: string, input: Record<string, unknown> = {}) {
    const res = await createApiKey(auth, input);
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createApiKey;
  }

  describe('memberships', () => {
    const revokedUser = DEMO_USERS.revoked;
    let granted: Membership;

    it('a TJ admin invites a user by e-mail address to a TJ role, and the user reads TJ data on its next request', async () => {
      // Every membership of this user is revoked: it holds nothing yet.
      expectUnauthenticated(await server.graphql(MY_PROJECTS, {}, tokens.revoked));

      const res = await createMembership(tokens.tjAdmin, {
        userEmail: revokedUser.email.toUpperCase(),
        organisationId: O.tjWomenRights,
        tenantCode: 'tj',
        role: 'PARTNER_VIEWER',
      });
      expect(res.body.errors).toBeUndefined();
      granted = res.body.data!.createMembership.membership;
      // An invitation: whether the address has an account is not said (see "no account
      // enumeration" in security-invitations.test.ts).
      expect(granted).toMatchObject({
        role: 'PARTNER_VIEWER',
        revokedAt: null,
        invitedEmail: revokedUser.email.toUpperCase(),
        tenant: { code: 'TJ' },
        organisation: { id: O.tjWomenRights },
        user: null,
      });
      const [row] = await sql<{ tenant_id: string; created_by: string }>(
        'SELECT tenant_id, created_by FROM memberships WHERE id = $1',
        [granted.id],
      );
      expect(row).toEqual({
        tenant_id: SEED_IDS.tenants.TJ,
        created_by: `user:${DEMO_USERS.tjAdmin.id}`,
      });

      const next = await server.graphql<{
        projects: { totalCount: number; nodes: { code: string; tenant: { code: string } }[] };
      }>(MY_PROJECTS, {}, tokens.revoked);
      expect(next.body.errors).toBeUndefined();
      expect(next.body.data!.projects.totalCount).toBeGreaterThan(0);
      expect(new Set(next.body.data!.projects.nodes.map((p) => p.tenant.code))).toEqual(
        new Set(['TJ']),
      );
      // Taken up by the user: from now on the admin sees whose it is.
      const [bound] = await sql<{ user_id: string }>(
        'SELECT user_id FROM memberships WHERE id = $1',
        [granted.id],
      );
      expect(bound!.user_id).toBe(revokedUser.id);
    });

    it('the same role again, while it is in force, is a CONFLICT', async () => {
      const res = await createMembership(tokens.tjAdmin, {
        userId: revokedUser.id,
        organisationId: O.tjWomenRights,
        tenantCode: 'TJ',
        role: 'PARTNER_VIEWER',
      });
      expectCode(res, 'CONFLICT');
      const active = await count(
        `SELECT count(*)::int AS count FROM memberships
          WHERE user_id = $1 AND role = 'PARTNER_VIEWER' AND revoked_at IS NULL`,
        [revokedUser.id],
      );
      expect(active).toBe(1);
    });

    it('a TJ admin lists the TJ memberships, page by page, and no other tenant’s', async () => {
      const seen: Membership[] = [];
      let after: string | null = null;
      let totalCount = 0;
      do {
        const res: GraphQLResponse<{
          memberships: {
            totalCount: number;
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
            nodes: Membership[];
          };
        }> = await server.graphql(
          `query ($after: String) { memberships(first: 2, after: $after) {
             totalCount pageInfo { hasNextPage endCursor } nodes { ${MEMBERSHIP_FIELDS} } } }`,
          { after },
          tokens.tjAdmin,
        );
        expect(res.body.errors).toBeUndefined();
        const page = res.body.data!.memberships;
        totalCount = page.totalCount;
        seen.push(...page.nodes);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      const tjActive = await count(
        'SELECT count(*)::int AS count FROM memberships WHERE tenant_id = $1 AND revoked_at IS NULL',
        [SEED_IDS.tenants.TJ],
      );
      expect(tjActive).toBeGreaterThan(2);
      expect(seen).toHaveLength(tjActive);
      expect(totalCount).toBe(tjActive);
      expect(new Set(seen.map((m) => m.id)).size).toBe(tjActive);
      expect(seen.every((m) => m.tenant.code === 'TJ')).toBe(true);
      expect(seen.map((m) => m.id)).toContain(granted.id);

      const kg = await server.graphql<{ memberships: { totalCount: number } }>(
        '{ memberships(filter: { tenantCodes: ["KG"], includeRevoked: true }) { totalCount } }',
        {},
        tokens.tjAdmin,
      );
      expect(kg.body.data!.memberships.totalCount).toBe(0);
    });

    it('revoking the membership makes the user’s next request 401; revoking again changes nothing', async () => {
      const res = await server.graphql<{ revokeMembership: { membership: Membership } }>(
        REVOKE_MEMBERSHIP,
        { input: { id: granted.id } },
        tokens.tjAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      const revoked = res.body.data!.revokeMembership.membership;
      expect(revoked.id).toBe(granted.id);
      expect(revoked.revokedAt).toEqual(expect.any(String));

      expectUnauthenticated(await server.graphql(MY_PROJECTS, {}, tokens.revoked));

      const again = await server.graphql<{ revokeMembership: { membership: Membership } }>(
        REVOKE_MEMBERSHIP,
        { input: { id: granted.id } },
        tokens.tjAdmin,
      );
      expect(again.body.errors).toBeUndefined();
      expect(again.body.data!.revokeMembership.membership.revokedAt).toBe(revoked.revokedAt);
    });

    it('a TJ admin cannot give a role in KG, nor in a tenant that does not exist (FORBIDDEN)', async () => {
      const before = await sql<{ count: number }>('SELECT count(*)::int AS count FROM memberships');
      for (const tenantCode of ['KG', 'XX']) {
        const res = await createMembership(tokens.tjAdmin, {
          userId: revokedUser.id,
          organisationId: O.kgWomenVoice,
          tenantCode,
          role: 'PARTNER_EDITOR',
        });
        expectCode(res, 'FORBIDDEN');
      }
      expect(await sql('SELECT count(*)::int AS count FROM memberships')).toEqual(before);
    });

    it('a TJ admin cannot revoke a KG membership: NOT_FOUND, like an id that does not exist, and the row is untouched', async () => {
      const kg = await server.graphql(
        REVOKE_MEMBERSHIP,
        { input: { id: M.kgEditor } },
        tokens.tjAdmin,
      );
      expectCode(kg, 'NOT_FOUND');
      const missing = await server.graphql(
        REVOKE_MEMBERSHIP,
        { input: { id: '00000000-0000-4000-8000-000000000000' } },
        tokens.tjAdmin,
      );
      expectCode(missing, 'NOT_FOUND');
      expect(kg.body.errors![0]!.message).toBe(missing.body.errors![0]!.message);

      const [row] = await sql<{ revoked_at: Date | null; role: string; tenant_id: string }>(
        'SELECT revoked_at, role, tenant_id FROM memberships WHERE id = $1',
        [M.kgEditor],
      );
      expect(row).toEqual({
        revoked_at: null,
        role: 'PARTNER_EDITOR',
        tenant_id: SEED_IDS.tenants.KG,
      });
      const kgEditor = await server.graphql(
        MY_PROJECTS,
        {},
        await server.tokenFor(DEMO_USERS.kgEditor.subject),
      );
      expect(kgEditor.status).toBe(200);
    });

    it('nobody, not even a platform admin, gives PLATFORM_ADMIN as a membership', async () => {
      for (const token of [tokens.platformAdmin, tokens.tjAdmin]) {
        const res = await createMembership(token, {
          userId: revokedUser.id,
          organisationId: O.internationalAlert,
          tenantCode: 'TJ',
          role: 'PLATFORM_ADMIN',
        });
        expectCode(res, 'BAD_USER_INPUT', 'role');
      }
    });

    it('a platform admin manages memberships in any tenant', async () => {
      const res = await createMembership(tokens.platformAdmin, {
        userId: revokedUser.id,
        organisationId: O.kgWomenVoice,
        tenantCode: 'KG',
        role: 'PARTNER_VIEWER',
      });
      expect(res.body.errors).toBeUndefined();
      const { id } = res.body.data!.createMembership.membership;
      const revoked = await server.graphql(
        REVOKE_MEMBERSHIP,
        { input: { id } },
        tokens.platformAdmin,
      );
      expect(revoked.body.errors).toBeUndefined();
    });

    it.each([
      [{ organisationId: O.tjWomenRights }, 'userId'],
      [
        {
          userId: DEMO_USERS.revoked.id,
          userEmail: DEMO_USERS.revoked.email,
          organisationId: O.tjWomenRights,
        },
        'userId',
      ],
      [{ userEmail: 'not an email', organisationId: O.tjWomenRights }, 'userEmail'],
      [
        { userId: '00000000-0000-4000-8000-000000000000', organisationId: O.tjWomenRights },
        'userId',
      ],
      [
        { userId: DEMO_USERS.revoked.id, organisationId: '00000000-0000-4000-8000-000000000000' },
        'organisationId',
      ],
    ])('a bad input %j is BAD_USER_INPUT on %s', async (input, field) => {
      const res = await createMembership(tokens.tjAdmin, {
        tenantCode: 'TJ',
        role: 'PARTNER_VIEWER',
        ...input,
      });
      expectCode(res, 'BAD_USER_INPUT', field);
    });
  });

  describe('a partner editor', () => {
    it('gets FORBIDDEN on all four mutations and on both admin lists', async () => {
      const token = tokens.tjEditor;
      expectCode(
        await createMembership(token, {
          userId: DEMO_USERS.revoked.id,
          organisationId: O.tjWomenRights,
          tenantCode: 'TJ',
          role: 'PARTNER_VIEWER',
        }),
        'FORBIDDEN',
      );
      expectCode(
        await server.graphql(REVOKE_MEMBERSHIP, { input: { id: M.tjViewer } }, token),
        'FORBIDDEN',
      );
      expectCode(await createApiKey(token, { organisationId: O.tjWomenRights }), 'FORBIDDEN');
      const [devKey] = await sql<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'dev key'`);
      expectCode(
        await server.graphql(REVOKE_API_KEY, { input: { id: devKey!.id } }, token),
        'FORBIDDEN',
      );
      // The lists are nullable: denied, they null only themselves.
      const lists = await server.graphql(
        '{ me { kind } memberships { totalCount } apiKeys { totalCount } }',
        {},
        token,
      );
      expect(lists.body.data).toEqual({ me: { kind: 'USER' }, memberships: null, apiKeys: null });
      expect(lists.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
        [['memberships'], 'FORBIDDEN'],
        [['apiKeys'], 'FORBIDDEN'],
      ]);

      const [row] = await sql<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM memberships WHERE id = $1',
        [M.tjViewer],
      );
      expect(row!.revoked_at).toBeNull();
      const [key] = await sql<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM api_keys WHERE id = $1',
        [devKey!.id],
      );
      expect(key!.revoked_at).toBeNull();
    });

    it('and so does a key without the admin scope (the dev key: read, write)', async () => {
      expectCode(
        await createMembership(
          { apiKey: server.devApiKey },
          {
            userId: DEMO_USERS.revoked.id,
            organisationId: O.tjWomenRights,
            tenantCode: 'TJ',
            role: 'PARTNER_VIEWER',
          },
        ),
        'FORBIDDEN',
      );
      expectCode(await createApiKey({ apiKey: server.devApiKey }, {}), 'FORBIDDEN');
    });
  });

  describe('API keys', () => {
    it('createApiKey returns the key once; it works as X-Api-Key on the next request; only its hash is stored', async () => {
      const expiresAt = inAYear();
      const { apiKey, secret } = await newKey(tokens.tjAdmin, {
        name: 'Kobo sync ✓ Тоҷикистон',
        scopes: ['READ', 'READ'],
        expiresAt,
      });
      expect(apiKey).toMatchObject({
        name: 'Kobo sync ✓ Тоҷикистон',
        organisation: { id: O.internationalAlert },
        tenants: [{ code: 'TJ' }],
        scopes: ['READ'],
        expiresAt,
        lastUsedAt: null,
        revokedAt: null,
      });
      const parsed = parseApiKey(secret);
      expect(parsed?.prefix).toBe(apiKey.prefix);

      const res = await server.graphql<{
        me: { kind: string; scopes: string[] };
        projects: { totalCount: number; nodes: { tenant: { code: string } }[] };
      }>(MY_PROJECTS, {}, { apiKey: secret });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.me).toEqual({ kind: 'API_KEY', scopes: ['READ'] });
      expect(res.body.data!.projects.totalCount).toBeGreaterThan(0);
      expect(res.body.data!.projects.nodes.every((p) => p.tenant.code === 'TJ')).toBe(true);

      const [row] = await sql<{ secret_hash: Buffer; created_by: string; whole: string }>(
        'SELECT secret_hash, created_by, row_to_json(k)::text AS whole FROM api_keys k WHERE id = $1',
        [apiKey.id],
      );
      expect(row!.secret_hash.equals(createHash('sha256').update(parsed!.secret).digest())).toBe(
        true,
      );
      expect(row!.whole).not.toContain(parsed!.secret);
      expect(row!.whole).not.toContain(Buffer.from(parsed!.secret).toString('hex'));
      expect(row!.created_by).toBe(`user:${DEMO_USERS.tjAdmin.id}`);

      // The list never shows the secret again.
      const list = await server.graphql<{ apiKeys: { nodes: ApiKey[] } }>(
        API_KEYS,
        {},
        tokens.tjAdmin,
      );
      expect(JSON.stringify(list.body)).not.toContain(parsed!.secret);
    });

    it('apiKeys lists the keys all of whose tenants you administer', async () => {
      const tjOnly = await newKey(tokens.tjAdmin, { name: 'TJ only' });
      const tjAndKg = await newKey(tokens.platformAdmin, {
        name: 'TJ and KG',
        tenantCodes: ['TJ', 'KG'],
      });
      const names = async (token: string) => {
        const res = await server.graphql<{ apiKeys: { nodes: ApiKey[] } }>(API_KEYS, {}, token);
        expect(res.body.errors).toBeUndefined();
        return res.body.data!.apiKeys.nodes.map((k) => k.name);
      };
      const tj = await names(tokens.tjAdmin);
      expect(tj).toContain(tjOnly.apiKey.name);
      expect(tj).not.toContain(tjAndKg.apiKey.name);
      expect(tj).not.toContain('dev key');
      const kg = await names(tokens.kgAdmin);
      expect(kg).not.toContain(tjOnly.apiKey.name);
      expect(kg).not.toContain(tjAndKg.apiKey.name);
      expect(await names(tokens.platformAdmin)).toEqual(
        expect.arrayContaining(['dev key', tjOnly.apiKey.name, tjAndKg.apiKey.name]),
      );
    });

    it('lastUsedAt is set after use, and two requests in a row do not both write', async () => {
      const { apiKey, secret } = await newKey(tokens.tjAdmin, { name: 'usage' });
      const pool = poolOf(server.db.dataSource);
      const query = jest.spyOn(pool, 'query');
      const usageWrites = () =>
        query.mock.calls.filter(
          ([text]) => typeof text === 'string' && text.includes('last_used_at = now()'),
        );
      try {
        const [first, second] = await Promise.all([
          server.graphql(MY_PROJECTS, {}, { apiKey: secret }),
          server.graphql(MY_PROJECTS, {}, { apiKey: secret }),
        ]);
        expect(first.status).toBe(200);
        expect(second.status).toBe(200);
        let lastUsedAt: Date | null = null;
        for (let i = 0; i < 50 && !lastUsedAt; i += 1) {
          const rows = await sql<{ last_used_at: Date | null }>(
            'SELECT last_used_at FROM api_keys WHERE id = $1',
            [apiKey.id],
          );
          lastUsedAt = rows[0]!.last_used_at;
          if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(lastUsedAt).toBeInstanceOf(Date);
        expect(usageWrites()).toHaveLength(1);

        // The stored value is now fresh: a third request reads it and writes nothing.
        expect((await server.graphql(MY_PROJECTS, {}, { apiKey: secret })).status).toBe(200);
        expect(usageWrites()).toHaveLength(1);
      } finally {
        query.mockRestore();
      }
      const list = await server.graphql<{ apiKeys: { nodes: ApiKey[] } }>(
        API_KEYS,
        {},
        tokens.tjAdmin,
      );
      expect(list.body.data!.apiKeys.nodes.find((k) => k.id === apiKey.id)?.lastUsedAt).toEqual(
        expect.any(String),
      );
    });

    it('revokeApiKey makes the key 401 on the next request; revoking again changes nothing', async () => {
      const { apiKey, secret } = await newKey(tokens.tjAdmin, { name: 'to revoke' });
      expect((await server.graphql(MY_PROJECTS, {}, { apiKey: secret })).status).toBe(200);
      const res = await server.graphql<{ revokeApiKey: { apiKey: ApiKey } }>(
        REVOKE_API_KEY,
        { input: { id: apiKey.id } },
        tokens.tjAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      const revokedAt = res.body.data!.revokeApiKey.apiKey.revokedAt;
      expect(revokedAt).toEqual(expect.any(String));
      expectUnauthenticated(await server.graphql(MY_PROJECTS, {}, { apiKey: secret }));
      const again = await server.graphql<{ revokeApiKey: { apiKey: ApiKey } }>(
        REVOKE_API_KEY,
        { input: { id: apiKey.id } },
        tokens.tjAdmin,
      );
      expect(again.body.data!.revokeApiKey.apiKey.revokedAt).toBe(revokedAt);
    });

    it('an expired key is 401', async () => {
      const { apiKey, secret } = await newKey(tokens.tjAdmin, {
        name: 'expiring',
        expiresAt: inAYear(),
      });
      expect((await server.graphql(MY_PROJECTS, {}, { apiKey: secret })).status).toBe(200);
      await sql(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        apiKey.id,
      ]);
      expectUnauthenticated(await server.graphql(MY_PROJECTS, {}, { apiKey: secret }));
    });

    it('only an admin of every tenant of a key creates or revokes it', async () => {
      const before = await sql<{ count: number }>('SELECT count(*)::int AS count FROM api_keys');
      for (const tenantCodes of [['KG'], ['TJ', 'KG'], ['XX']]) {
        expectCode(await createApiKey(tokens.tjAdmin, { tenantCodes }), 'FORBIDDEN');
      }
      expect(await sql('SELECT count(*)::int AS count FROM api_keys')).toEqual(before);

      const { apiKey, secret } = await newKey(tokens.platformAdmin, {
        name: 'two tenants',
        tenantCodes: ['TJ', 'KG'],
      });
      for (const token of [tokens.tjAdmin, tokens.kgAdmin]) {
        expectCode(
          await server.graphql(REVOKE_API_KEY, { input: { id: apiKey.id } }, token),
          'NOT_FOUND',
        );
      }
      const [row] = await sql<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM api_keys WHERE id = $1',
        [apiKey.id],
      );
      expect(row!.revoked_at).toBeNull();
      expect((await server.graphql(MY_PROJECTS, {}, { apiKey: secret })).status).toBe(200);

      const res = await server.graphql(
        REVOKE_API_KEY,
        { input: { id: apiKey.id } },
        tokens.platformAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      expectUnauthenticated(await server.graphql(MY_PROJECTS, {}, { apiKey: secret }));
    });

    it('a key with the admin scope administers what its organisation administers, and cannot mint wider keys', async () => {
      const { apiKey, secret } = await newKey(tokens.tjAdmin, {
        name: 'admin key',
        scopes: ['ADMIN'],
      });
      const created = await createMembership(
        { apiKey: secret },
        {
          userId: DEMO_USERS.revoked.id,
          organisationId: O.tjFamilyCentre,
          tenantCode: 'TJ',
          role: 'PARTNER_VIEWER',
        },
      );
      expect(created.body.errors).toBeUndefined();
      const [row] = await sql<{ created_by: string }>(
        'SELECT created_by FROM memberships WHERE id = $1',
        [created.body.data!.createMembership.membership.id],
      );
      expect(row!.created_by).toBe(`apikey:${apiKey.id}`);
      await server.graphql(
        REVOKE_MEMBERSHIP,
        { input: { id: created.body.data!.createMembership.membership.id } },
        tokens.tjAdmin,
      );

      expectCode(
        await createMembership(
          { apiKey: secret },
          {
            userId: DEMO_USERS.revoked.id,
            organisationId: O.kgWomenVoice,
            tenantCode: 'KG',
            role: 'PARTNER_VIEWER',
          },
        ),
        'FORBIDDEN',
      );
      expectCode(await createApiKey({ apiKey: secret }, { scopes: ['READ'] }), 'FORBIDDEN');
      expect(
        (await createApiKey({ apiKey: secret }, { scopes: ['ADMIN'] })).body.errors,
      ).toBeUndefined();
    });

    it.each([
      [{ name: '' }, 'name'],
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ scopes: [] }, 'scopes'],
      [{ tenantCodes: [] }, 'tenantCodes'],
      [{ expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
      [{ organisationId: '00000000-0000-4000-8000-000000000000' }, 'organisationId'],
      // A key acts with its organisation's roles: this partner has none in TJ.
      [{ organisationId: O.kgWomenVoice }, 'tenantCodes'],
    ])('a bad input %j is BAD_USER_INPUT on %s', async (input, field) => {
      expectCode(await createApiKey(tokens.tjAdmin, input), 'BAD_USER_INPUT', field);
    });

    it('a page larger than 100 is BAD_USER_INPUT on first', async () => {
      expectCode(
        await server.graphql('{ apiKeys(first: 500) { totalCount } }', {}, tokens.tjAdmin),
        'BAD_USER_INPUT',
        'first',
      );
    });
  });

  describe('the audit log', () => {
    type AuditRow = {
      tenant_id: string;
      action: string;
      principal_id: string;
      before: Record<string, unknown> | null;
      after: Record<string, unknown> | null;
    };
    const auditOf = (entityType: string, entityId: string) =>
      sql<AuditRow>(
        `SELECT tenant_id, action, principal_id, before, after FROM audit_events
         WHERE entity_type = $1 AND entity_id = $2 ORDER BY occurred_at, action`,
        [entityType, entityId],
      );

    it('records granting and revoking a membership, once, in its tenant', async () => {
      const res = await createMembership(tokens.tjAdmin, {
        tenantCode: 'TJ',
        userId: DEMO_USERS.revoked.id,
        organisationId: O.internationalAlert,
        role: 'PARTNER_VIEWER',
      });
      expect(res.body.errors).toBeUndefined();
      const { id } = res.body.data!.createMembership.membership;
      for (let i = 0; i < 2; i += 1) {
        const revoke = await server.graphql(REVOKE_MEMBERSHIP, { input: { id } }, tokens.tjAdmin);
        expect(revoke.body.errors).toBeUndefined();
      }
      const rows = await auditOf('TenantMembership', id);
      expect(rows.map((r) => [r.tenant_id, r.action])).toEqual([
        [SEED_IDS.tenants.TJ, 'CREATE'],
        [SEED_IDS.tenants.TJ, 'REVOKE'],
      ]);
      expect(rows[0]!.after).toMatchObject({
        role: 'PARTNER_VIEWER',
        userId: DEMO_USERS.revoked.id,
      });
      expect(rows[1]!.before).toEqual({ revokedAt: null });
      expect(Object.keys(rows[1]!.after ?? {})).toEqual(['revokedAt']);
      expect(typeof rows[1]!.after?.revokedAt).toBe('string');
    });

    it('records creating and revoking an API key in each of its tenants, never its secret', async () => {
      const { apiKey, secret } = await newKey(tokens.platformAdmin, {
        name: 'audited key',
        tenantCodes: ['TJ', 'KG'],
      });
      const revoke = await server.graphql(
        REVOKE_API_KEY,
        { input: { id: apiKey.id } },
        tokens.platformAdmin,
      );
      expect(revoke.body.errors).toBeUndefined();
      const rows = await auditOf('ApiKey', apiKey.id);
      expect(rows.map((r) => [r.action, r.tenant_id]).sort()).toEqual(
        [
          ['CREATE', SEED_IDS.tenants.KG],
          ['CREATE', SEED_IDS.tenants.TJ],
          ['REVOKE', SEED_IDS.tenants.KG],
          ['REVOKE', SEED_IDS.tenants.TJ],
        ].sort(),
      );
      const text = JSON.stringify(rows);
      expect(text).toContain('audited key');
      expect(text).not.toContain(parseApiKey(secret)!.secret);
      expect(text).not.toMatch(/secret_?hash/i);
    });
  });

  describe('dignity-graph apikey create', () => {
    /** `--org x --tenants TJ …` as the CLI hands its options over. */
    const options = (...argv: string[]) =>
      apiKeyCreateOptions(
        Object.fromEntries(argv.flatMap((arg, i) => (i % 2 ? [] : [[arg.slice(2), argv[i + 1]]]))),
      );

    it('creates a key for an organisation named exactly, which works on the next request', async () => {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        const created = await createApiKeyFromCli(
          client,
          options(
            '--org',
            'International Alert',
            '--tenants',
            'KG',
            '--scopes',
            'read',
            '--name',
            'cli test',
          ),
        );
        expect(created.apiKey).toMatchObject({
          name: 'cli test',
          organisationId: O.internationalAlert,
          scopes: ['read'],
        });
        const res = await server.graphql<{ projects: { nodes: { tenant: { code: string } }[] } }>(
          MY_PROJECTS,
          {},
          { apiKey: created.token },
        );
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.projects.nodes.every((p) => p.tenant.code === 'KG')).toBe(true);
      } finally {
        client.release();
      }
    });

    it.each([
      [
        ['--org', 'Nobody Ltd', '--tenants', 'TJ', '--scopes', 'read'],
        /Unknown organisation "Nobody Ltd".*International Alert/,
      ],
      [
        ['--org', O.internationalAlert, '--tenants', 'TJ,XX', '--scopes', 'read'],
        /Unknown tenant code XX \(known: KG, TJ, UZ\)/,
      ],
      [
        ['--org', O.tjFamilyCentre, '--tenants', 'TJ,KG', '--scopes', 'read'],
        /holds no role in KG:/,
      ],
    ])('refuses %j', async (argv, message) => {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        const attempt = createApiKeyFromCli(client, options(...argv));
        await expect(attempt).rejects.toThrow(UsageError);
        await expect(attempt).rejects.toThrow(message);
      } finally {
        client.release();
      }
    });
  });
});
