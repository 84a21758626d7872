import { startTestServer, type TestServer } from '../helpers/server';

describe('the HTTP surface', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('answers /healthz while the process is up', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with the database up and migrations current', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, database: 'up', migrations: 'current' });
  });

  it('answers invalid JSON with 400 and a clear message, no stack', async () => {
    const res = await post('{"query": "{ me { id } }"');
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      errors: [
        { message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } },
      ],
    });
    expect(text).not.toMatch(/at .*\.js|node_modules/);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const res = await post(
      JSON.stringify({ query: `{ me { id } }`, padding: 'x'.repeat(2 * 1024 * 1024) }),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('gives every response a request id of its own, never the one the client sent', async () => {
    const res = await post(JSON.stringify({ query: '{ __typename }' }), {
      'x-request-id': 'abc-123',
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const other = await post(JSON.stringify({ query: '{ __typename }' }), {
      'x-request-id': 'bad id with spaces and ; semicolons',
    });
    expect(other.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves a landing page that says how to authenticate', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Authorization: Bearer');
  });
});

describe('text with a NUL character', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('is refused as BAD_USER_INPUT before any query runs, in variables and in the document', async () => {
    const token = await server.tokenFor('demo|tj-admin');
    const viaVariables = await server.graphql(
      'query ($s: String) { activities(filter: { search: $s }) { totalCount } }',
      { s: 'a\u0000b' },
      token,
    );
    expect(viaVariables.status).toBe(400);
    expect(viaVariables.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const inline = await server.graphql('{ tenant(code: "T\\u0000J") { code } }', {}, token);
    expect(inline.status).toBe(400);
    expect(inline.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const after = await server.graphql('{ tenant(code: "TJ") { code } }', {}, token);
    expect(after.body.data).toEqual({ tenant: { code: 'TJ' } });
  });
});
