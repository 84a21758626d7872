import type { PoolClient } from 'pg';
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

  async function withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
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

  it.each<[string, (client: PoolClient) => Promise<unknown>, RegExp]>([
    [
      'a tenant code of five letters',
      (c) => createTenant(c, { code: 'Tajik', name: 'x' }),
      /two letters/,
    ],
    [
      'an unknown organisation kind',
      (c) => createOrganisation(c, { name: 'X', kind: 'charity' }),
      /use one of IMPLEMENTER/,
    ],
    [
      'an admin of a tenant that does not exist',
      (c) =>
        createAdmin(c, { subject: 's', email: 'e@x', tenant: 'KG', org: 'International Alert' }),
      /No tenant KG or no organisation/,
    ],
    [
      'a tenant admin without an organisation',
      (c) => createAdmin(c, { subject: 's', email: 'e@x', tenant: 'TJ' }),
      /--tenant and --org go together/,
    ],
  ])('refuses %s with a usage message', async (_case, command, message) => {
    const attempt = withClient(command);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });
});
