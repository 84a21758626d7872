import { SignJWT } from 'jose';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server';

/*
 * What a hostile request gets back, through the real server: a mutation that fails answers no
 * data (its transaction is rolled back, so nothing it names exists); a token whose subject is
 * malformed is 401, never a database error; an e-mail address in createMembership tells
 * nothing about accounts; and the preamble's functions, run as the owner with values from the
 * credential, withstand any such value.
 */

const P = SEED_IDS.projects;
const O = SEED_IDS.organisations;

describe('hostile requests', () => {
  let server: TestServer;
  let tjAdmin: string;
  beforeAll(async () => {
    server = await startTestServer();
    tjAdmin = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
  });
  afterAll(() => server.close());

  const sql = <R>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<R[]>(text, params);

  describe('a mutation that fails anywhere answers no data', () => {
    const input = (title: string) => ({
      projectId: P.TJ,
      type: 'TRAINING',
      title,
      startDate: '2024-05-01',
      participants: { female: 3, male: 2, other: 0 },
    });

    it('createActivity whose nested selection fails: data null, the error, and no row', async () => {
      const res = await server.graphql<{ createActivity: { id: string } | null }>(
        `mutation ($input: CreateActivityInput!) {
          createActivity(input: $input) { id title community { id } project { activities(first: 500) { totalCount } } } }`,
        { input: input('Nested selection fails') },
        tjAdmin,
      );
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.data).toBeNull();
      expect(await sql(`SELECT id FROM activities WHERE title = 'Nested selection fails'`)).toEqual(
        [],
      );
    });

    it('two mutations, the second failing: neither answers, neither is written', async () => {
      const res = await server.graphql(
        `mutation ($a: CreateActivityInput!, $b: CreateActivityInput!) {
          first: createActivity(input: $a) { id }
          second: createActivity(input: $b) { id } }`,
        { a: input('First of two'), b: { ...input('Second of two'), startDate: '1900-01-01' } },
        tjAdmin,
      );
      expect(res.body.errors?.length).toBeGreaterThan(0);
      expect(res.body.data).toBeNull();
      expect(
        await sql(`SELECT id FROM activities WHERE title IN ('First of two', 'Second of two')`),
      ).toEqual([]);
    });

    it('the same mutation with a valid selection answers and writes (the control)', async () => {
      const res = await server.graphql<{ createActivity: { id: string } }>(
        `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`,
        { input: input('Control') },
        tjAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      expect(await sql(`SELECT id FROM activities WHERE title = 'Control'`)).toEqual([
        { id: res.body.data!.createActivity.id },
      ]);
    });

    it('a read whose nested field fails keeps the rest of its data (partial data is right for reads)', async () => {
      const res = await server.graphql<{
        me: { kind: string };
        project: { code: string; activities: unknown } | null;
      }>(
        `query ($id: UUID!) { me { kind } project(id: $id) { code activities(first: 500) { totalCount } } }`,
        { id: P.TJ },
        tjAdmin,
      );
      expect(res.body.errors?.map((e) => e.path)).toEqual([['project', 'activities']]);
      expect(res.body.data?.me).toEqual({ kind: 'USER' });
    });
  });

  describe('a token’s subject is checked before it is used', () => {
    const signed = (sub: unknown) =>
      new SignJWT({ sub } as Record<string, unknown>)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(server.config.jwt.issuer)
        .setAudience(server.config.jwt.audience)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(new TextEncoder().encode(TEST_JWT_SECRET));

    it.each([
      ['a NUL', `${DEMO_USERS.tjAdmin.subject}\u0000`],
      ['only a NUL', '\u0000'],
      ['a line break', 'demo|tj-admin\nadmin'],
      ['an escape character', '\u001b[31mdemo'],
      ['a zero-width space', `demo|tj-admin\u200b`],
      ['a right-to-left override', '\u202edemo|tj-admin'],
      ['a lone surrogate', 'demo|\ud800'],
      ['surrounding spaces', ` ${DEMO_USERS.tjAdmin.subject} `],
      ['the empty string', ''],
      ['256 characters', 'x'.repeat(256)],
      ['a number', 42],
      ['an object', { id: DEMO_USERS.tjAdmin.subject }],
      ['an array', [DEMO_USERS.tjAdmin.subject]],
      ['null', null],
    ])('a subject with %s is 401 UNAUTHENTICATED, never 5xx', async (_label, sub) => {
      const res = await server.graphql('{ me { subject } }', {}, await signed(sub));
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.data ?? null).toBeNull();
    });

    it('a subject of SQL is a subject like any other: no user has it, 401', async () => {
      for (const sub of [`'); DROP TABLE users; --`, `\\'; SELECT 1; --`, `$$ || 1 || $$`]) {
        const res = await server.graphql('{ me { subject } }', {}, await signed(sub));
        expect(res.status).toBe(401);
      }
      expect(await sql('SELECT count(*)::int AS n FROM users')).not.toEqual([{ n: 0 }]);
    });

    it('255 printable characters, Unicode included, are a well-formed subject (401 only because no user has it)', async () => {
      const res = await server.graphql('{ me { subject } }', {}, await signed('ж'.repeat(255)));
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0]?.message).toMatch(/not valid, or grants nothing/);
    });
  });

  describe('createMembership by e-mail address tells nothing about accounts', () => {
    const grant = (userEmail: string) =>
      server.graphql<{
        createMembership: { membership: Record<string, unknown> };
      }>(
        `mutation ($input: CreateMembershipInput!) { createMembership(input: $input) {
           membership { role revokedAt invitedEmail tenant { code } organisation { id } user { id } } } }`,
        {
          input: {
            userEmail,
            organisationId: O.tjWomenRights,
            tenantCode: 'TJ',
            role: 'PARTNER_VIEWER',
          },
        },
        tjAdmin,
      );

    it('a known address (even one with no role here) and an unknown one get the same answer', async () => {
      // kg-admin has an account, but no role in TJ; nobody has the second address.
      const known = await grant(DEMO_USERS.kgAdmin.email);
      const unknown = await grant('nobody-at-all@example.org');
      const shape = (res: typeof known) => ({
        status: res.status,
        errors: res.body.errors,
        membership: { ...res.body.data?.createMembership.membership, invitedEmail: 'x' },
      });
      expect(shape(known)).toEqual(shape(unknown));
      expect(known.body.data!.createMembership.membership).toMatchObject({
        user: null,
        invitedEmail: DEMO_USERS.kgAdmin.email,
      });
      // And again, both: the same CONFLICT, about the pending invitation.
      const [again1, again2] = [
        await grant(DEMO_USERS.kgAdmin.email.toUpperCase()),
        await grant('NOBODY-AT-ALL@example.org'),
      ];
      expect(again1.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(again1.body.errors?.[0]?.message).toBe(again2.body.errors?.[0]?.message);
    });

    it('the invitation takes effect on the invited user’s next request, and is audited as accepted', async () => {
      const kgAdmin = await server.tokenFor(DEMO_USERS.kgAdmin.subject);
      const res = await server.graphql<{
        me: { memberships: { role: string; tenant: { code: string } }[] };
      }>('{ me { memberships { role tenant { code } } } }', {}, kgAdmin);
      expect(res.body.data!.me.memberships).toEqual(
        expect.arrayContaining([{ role: 'PARTNER_VIEWER', tenant: { code: 'TJ' } }]),
      );
      const audit = await sql<{ action: string; principal_id: string }>(
        `SELECT e.action, e.principal_id FROM audit_events e JOIN memberships m ON m.id::text = e.entity_id
          WHERE m.invited_email = $1 AND e.action = 'ACCEPT'`,
        [DEMO_USERS.kgAdmin.email],
      );
      expect(audit).toEqual([{ action: 'ACCEPT', principal_id: DEMO_USERS.kgAdmin.id }]);
      // The inviting tenant's admin finds it in the audit log by its action.
      const log = await server.graphql<{ auditEvents: { nodes: { action: string }[] } }>(
        '{ auditEvents(first: 10, filter: { actions: [ACCEPT] }) { nodes { action } } }',
        {},
        tjAdmin,
      );
      expect(log.body.errors).toBeUndefined();
      expect(log.body.data!.auditEvents.nodes).toEqual([{ action: 'ACCEPT' }]);
      // Bound once: a second request binds nothing more.
      await server.graphql('{ me { kind } }', {}, kgAdmin);
      expect(
        await sql(
          `SELECT count(*)::int AS n FROM audit_events WHERE action = 'ACCEPT' AND principal_id = $1`,
          [DEMO_USERS.kgAdmin.id],
        ),
      ).toEqual([{ n: 1 }]);
    });

    it('an invitation to a role the user already holds is void when it signs in, and the request still works', async () => {
      const res = await grant(DEMO_USERS.tjViewer.email);
      expect(res.body.errors).toBeUndefined();
      const viewer = await server.tokenFor(DEMO_USERS.tjViewer.subject);
      expect((await server.graphql('{ me { kind } }', {}, viewer)).status).toBe(200);
      expect(
        await sql(
          `SELECT user_id, revoked_at IS NOT NULL AS void FROM memberships WHERE invited_email = $1`,
          [DEMO_USERS.tjViewer.email],
        ),
      ).toEqual([{ user_id: null, void: true }]);
    });

    it('by id, a user the admin cannot see is "no user", exactly like an id nobody has', async () => {
      const byId = (userId: string) =>
        server.graphql(
          `mutation ($input: CreateMembershipInput!) { createMembership(input: $input) { membership { id } } }`,
          {
            input: {
              userId,
              organisationId: O.tjWomenRights,
              tenantCode: 'TJ',
              role: 'PARTNER_VIEWER',
            },
          },
          tjAdmin,
        );
      // uz-admin has an account but no role in TJ.
      const hidden = await byId(DEMO_USERS.uzAdmin.id);
      const missing = await byId('00000000-0000-4000-8000-000000000000');
      expect(hidden.body).toEqual(missing.body);
      expect(hidden.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'userId',
      });
    });
  });

  describe('the preamble’s functions, as the owner, with hostile arguments', () => {
    async function preamble(text: string, params: unknown[]) {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(text, params);
        const settings = await client.query<Record<string, string>>(
          `SELECT coalesce(current_setting('app.tenant_ids', true), '') AS tenants,
                  coalesce(current_setting('app.partner_project_ids', true), '') AS projects,
                  coalesce(current_setting('app.write_tenant_ids', true), '') AS writes,
                  coalesce(current_setting('app.admin_tenant_ids', true), '') AS admin,
                  coalesce(current_setting('app.actor', true), '') AS actor`,
        );
        return { rows, settings: settings.rows[0]! };
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
    // Unset, or (on a connection that set them before) empty: nothing either way.
    const nothingSet = { tenants: '', projects: '', writes: '', admin: '', actor: '' };

    it.each([
      ['NULL', null],
      ['the empty string', ''],
      ['SQL', `x' OR '1'='1`],
      ['a LIKE pattern', '%'],
      ['a case variant of a subject', DEMO_USERS.tjAdmin.subject.toUpperCase()],
      ['a very long string', 'demo|'.repeat(20_000)],
      ['an e-mail address instead of a subject', DEMO_USERS.tjAdmin.email],
    ])('request_user_principal(%s) names nobody and sets no scope', async (_label, subject) => {
      expect(await preamble('SELECT * FROM request_user_principal($1)', [subject])).toEqual({
        rows: [],
        settings: nothingSet,
      });
    });

    it.each([
      ['NULL', null],
      ['SQL', `x' OR '1'='1`],
      ['a LIKE pattern', '%'],
      ['an upper-case prefix', 'ABCDEFGHIJ'],
    ])('request_key_principal(%s) names no key and sets no scope', async (_label, prefix) => {
      expect(await preamble('SELECT * FROM request_key_principal($1)', [prefix])).toEqual({
        rows: [],
        settings: nothingSet,
      });
    });

    it('a revoked key names nobody and sets no scope', async () => {
      await sql(`UPDATE api_keys SET revoked_at = now() WHERE name = 'dev key'`);
      try {
        const [key] = await sql<{ prefix: string }>(
          `SELECT prefix FROM api_keys WHERE name = 'dev key'`,
        );
        expect(await preamble('SELECT * FROM request_key_principal($1)', [key!.prefix])).toEqual({
          rows: [],
          settings: nothingSet,
        });
      } finally {
        await sql(`UPDATE api_keys SET revoked_at = NULL WHERE name = 'dev key'`);
      }
    });

    it('set_request_scope refuses arrays of different lengths, and reads no role it does not know', async () => {
      await expect(
        preamble(`SELECT set_request_scope($1, $2, $3, true, true, true, 'x')`, [
          [SEED_IDS.tenants.TJ],
          [],
          ['TENANT_ADMIN'],
        ]),
      ).rejects.toThrow(/invalid arguments/);
      const forged = await preamble(`SELECT set_request_scope($1, $2, $3, true, true, true, 'x')`, [
        [SEED_IDS.tenants.TJ],
        [O.tjWomenRights],
        ['tenant_admin'],
      ]);
      expect(forged.settings).toMatchObject({ tenants: '', writes: '', admin: '' });
    });
  });
});
