import { poolOf } from '../../src/db/data-source';
import {
  apiKeyCreateOptions,
  createApiKeyFromCli,
  UsageError,
} from '../../src/scripts/apikey-create';
import { createAdmin, createOrganisation, createTenant } from '../../src/scripts/bootstrap';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * A new deployment, as docker compose starts it: migrated, not seeded, nobody can sign in.
 * The operator CLI's commands make the first tenant, organisation, administrator and key, in
 * the order the README gives them, and the key works on the next request.
 */
describe('the first credential of an empty deployment (dignity-graph CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ seed: false });
  });
  afterAll(() => server.close());

  async function withClient<T>(work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
    const client = await poolOf(server.db.dataSource).connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  }

  it('starts with no tenant, organisation or user', async () => {
    const [row] = await server.db.dataSource.query<{ n: number }[]>(
      `SELECT (SELECT count(*) FROM tenants) + (SELECT count(*) FROM organisations)
            + (SELECT count(*) FROM users) AS n`,
    );
    expect(Number(row!.n)).toBe(0);
  });

  it('creates tenant, organisation, tenant admin and an API key that works at once', async () => {
    const key = await withClient(async (client) => {
      const tenant = await createTenant(client, { code: 'tj', name: 'Tajikistan' });
      expect(tenant).toMatchObject({ code: 'TJ', created: true });
      // Idempotent: the same command again changes nothing.
      await expect(createTenant(client, { code: 'TJ', name: 'Tajikistan' })).resolves.toEqual({
        ...tenant,
        created: false,
      });
      await createOrganisation(client, { name: 'International Alert', kind: 'implementer' });
      const admin = await createAdmin(client, {
        subject: 'idp|ops-1',
        email: 'ops@example.org',
        tenant: 'TJ',
        org: 'International Alert',
      });
      expect(admin.role).toBe('TENANT_ADMIN');
      const created = await createApiKeyFromCli(
        client,
        apiKeyCreateOptions({
          org: 'International Alert',
          tenants: 'TJ',
          scopes: 'read,write,admin',
          allowAdmin: true,
        }),
      );
      return created.token;
    });
    const res = await server.graphql<{ me: { scopes: string[] }; tenants: { nodes: unknown[] } }>(
      '{ me { scopes } tenants { nodes { code name } } }',
      {},
      { apiKey: key },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.tenants.nodes).toEqual([{ code: 'TJ', name: 'Tajikistan' }]);
    expect(res.body.data?.me.scopes).toEqual(expect.arrayContaining(['READ', 'WRITE', 'ADMIN']));

    // The administrator signs in with a token for the subject they were registered with.
    const asAdmin = await server.graphql<{ me: { subject: string } }>(
      '{ me { subject } }',
      {},
      await server.tokenFor('idp|ops-1'),
    );
    expect(asAdmin.body.data?.me.subject).toBe('idp|ops-1');
  });

  it('registers a platform admin, who sees every tenant', async () => {
    await withClient((client) =>
      createAdmin(client, { subject: 'idp|root', email: 'root@example.org' }),
    );
    const res = await server.graphql<{ me: { platformAdmin: boolean } }>(
      '{ me { platformAdmin } }',
      {},
      await server.tokenFor('idp|root'),
    );
    expect(res.body.data?.me.platformAdmin).toBe(true);
  });

  it.each([
    [() => ({ code: 'Tajik', name: 'x' }), 'tenant', /two letters/],
    [() => ({ name: 'X', kind: 'charity' }), 'organisation', /use one of IMPLEMENTER/],
    [
      () => ({ subject: 's', email: 'e@x', tenant: 'KG', org: 'International Alert' }),
      'admin',
      /No tenant KG or no organisation/,
    ],
    [
      () => ({ subject: 's', email: 'e@x', tenant: 'TJ' }),
      'admin',
      /--tenant and --org go together/,
    ],
  ] as const)('refuses a mistake with a usage message (%#)', async (options, kind, message) => {
    const attempt = withClient<unknown>((client) =>
      kind === 'tenant'
        ? createTenant(client, options() as never)
        : kind === 'organisation'
          ? createOrganisation(client, options() as never)
          : createAdmin(client, options() as never),
    );
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });
});
