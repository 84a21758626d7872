import { startTestServer, type TestServer } from '../helpers/server';

describe('the server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('lists the three tenants for the platform admin', async () => {
    const token = await server.tokenFor('demo|platform-admin');
    const res = await server.graphql<{ tenants: { nodes: { code: string }[] } }>(
      '{ tenants { nodes { code } } }',
      {},
      token,
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.tenants.nodes.map((t) => t.code)).toEqual(['KG', 'TJ', 'UZ']);
  });
});
