import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Hostile requests against a production-configured server: each gets its expected status and
 * code, nothing reaches a resolver that should not, no answer leaks a stack or SQL, and the
 * server still answers a normal query afterwards.
 */

type Answer = {
  status: number;
  text: string;
  json: { errors?: ErrorBody[]; data?: unknown } | null;
};
type ErrorBody = { message: string; extensions?: Record<string, unknown> };

describe('a battery of hostile requests (production configuration)', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
    token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
  });
  afterAll(() => server.close());

  async function send(
    body: string | Buffer,
    headers: Record<string, string> = {},
    method = 'POST',
    search = '',
  ): Promise<Answer> {
    const response = await fetch(`${server.url}/graphql${search}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: method === 'POST' ? body : undefined,
    });
    const text = await response.text();
    let json: Answer['json'] = null;
    try {
      json = JSON.parse(text) as Answer['json'];
    } catch {
      json = null;
    }
    return { status: response.status, text, json };
  }

  const query = (
    q: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ) => send(JSON.stringify({ query: q, variables }), headers);

  const codeOf = (answer: Answer) => answer.json?.errors?.[0]?.extensions?.code;

  function expectClean(answer: Answer) {
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).not.toMatch(
      /\bat .*\.(js|ts):\d+|node_modules|SELECT |syntax error at or near/i,
    );
  }

  /** `depth` levels of project → communities → nodes → activities → nodes → project … */
  function nested(depth: number): string {
    const levels = ['communities', 'nodes', 'activities', 'nodes', 'project'];
    let selection = 'id';
    for (let i = depth - 1; i >= 0; i -= 1)
      selection = `${levels[i % levels.length]} { ${selection} }`;
    return `query ($id: UUID!) { project(id: $id) { ${selection} } }`;
  }

  const cases: [string, () => Promise<Answer>, number, string | undefined, string?][] = [
    [
      'deep nesting (depth 20)',
      () => query(nested(19), { id: SEED_IDS.projects.TJ }),
      400,
      'QUERY_TOO_COMPLEX',
      'depth',
    ],
    [
      'deep nesting through a fragment',
      () =>
        query(
          `query ($id: UUID!) { project(id: $id) { ...F } } fragment F on Project { ${nested(16)
            .replace(/^query[^{]*\{ project\(id: \$id\) \{ /, '')
            .replace(/ \} \}$/, '')} }`,
          { id: SEED_IDS.projects.TJ },
        ),
      400,
      'QUERY_TOO_COMPLEX',
      'depth',
    ],
    [
      'alias bomb (16 aliases)',
      () => query(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { subject }`).join(' ')} }`),
      400,
      'QUERY_TOO_COMPLEX',
      'aliases',
    ],
    [
      'alias bomb hidden in a fragment',
      () =>
        query(
          `{ ...F } fragment F on Query { ${Array.from({ length: 16 }, (_, i) => `a${i}: tenants { totalCount }`).join(' ')} }`,
        ),
      400,
      'QUERY_TOO_COMPLEX',
      'aliases',
    ],
    [
      'directive bomb (60 @include)',
      () => query(`{ me { subject ${'@include(if: true) '.repeat(60)} } }`),
      400,
      'QUERY_TOO_COMPLEX',
      'directives',
    ],
    [
      'token flood (3,000 tokens)',
      () => query(`{ me { ${'subject '.repeat(3000)} } }`),
      400,
      'QUERY_TOO_COMPLEX',
      'tokens',
    ],
    [
      '10,000 nested braces',
      () => query(`${'{ me '.repeat(10_000)}`),
      400,
      'QUERY_TOO_COMPLEX',
      'tokens',
    ],
    [
      'fragment cycle',
      () => query('{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'self-referencing fragment',
      () => query('{ me { ...M } } fragment M on Me { ...M }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'huge literal first',
      () => query('{ activities(first: 1000000) { nodes { id } } }'),
      400,
      'QUERY_TOO_COMPLEX',
      'cost',
    ],
    [
      'huge first in a variable',
      () => query('query ($n: Int) { activities(first: $n) { nodes { id } } }', { n: 1_000_000 }),
      400,
      'QUERY_TOO_COMPLEX',
      'cost',
    ],
    [
      'three nested full pages (variables)',
      () =>
        query(
          'query ($n: Int) { projects(first: $n) { nodes { communities(first: $n) { nodes { activities(first: $n) { nodes { id } } } } } } }',
          { n: 100 },
        ),
      400,
      'QUERY_TOO_COMPLEX',
      'cost',
    ],
    [
      'first over the page cap but cheap',
      () => query('{ projects(first: 1000) { totalCount } }'),
      200,
      'BAD_USER_INPUT',
    ],
    [
      'negative first',
      () => query('{ projects(first: -1) { totalCount } }'),
      200,
      'BAD_USER_INPUT',
    ],
    [
      'first beyond 32-bit',
      () => query('{ projects(first: 99999999999) { totalCount } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '5 MiB body',
      () => query(`{ me { subject } }`, { pad: 'x'.repeat(5 * 1024 * 1024) }),
      413,
      'BAD_REQUEST',
    ],
    ['invalid JSON', () => send('{"query": "{ me { subject } }"'), 400, 'BAD_REQUEST'],
    [
      'JSON variables nested 100,000 deep (undeclared, so ignored)',
      () =>
        send(
          `{"query":"{ me { subject } }","variables":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
        ),
      200,
      undefined,
    ],
    ['a JSON string instead of an object', () => send('"{ me { subject } }"'), 400, 'BAD_REQUEST'],
    ['query that is not a string', () => send(JSON.stringify({ query: 42 })), 400, undefined],
    [
      'variables that are not an object',
      () => send(JSON.stringify({ query: '{ me { subject } }', variables: 'x' })),
      400,
      undefined,
    ],
    ['empty body', () => send('{}'), 400, undefined],
    [
      'batched request (an array of operations)',
      () =>
        send(JSON.stringify([{ query: '{ me { subject } }' }, { query: '{ me { subject } }' }])),
      400,
      undefined,
    ],
    [
      'text/plain POST (CSRF)',
      () => send(JSON.stringify({ query: '{ me { subject } }' }), { 'content-type': 'text/plain' }),
      400,
      undefined,
    ],
    [
      'wrong content type (application/xml)',
      () => send('<query/>', { 'content-type': 'application/xml' }),
      400,
      undefined,
    ],
    [
      'GET without a preflight header (CSRF)',
      () => send('', {}, 'GET', `?query=${encodeURIComponent('{ me { subject } }')}`),
      400,
      undefined,
    ],
    [
      'GET mutation',
      () =>
        send(
          '',
          { 'apollo-require-preflight': 'true' },
          'GET',
          `?query=${encodeURIComponent(`mutation { revokeMembership(input: { id: "${SEED_IDS.memberships.kgAdmin}" }) { membership { id } } }`)}`,
        ),
      405,
      undefined,
    ],
    [
      'introspection in production',
      () => query('{ __schema { types { name } } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      '__type probe in production',
      () => query('{ __type(name: "Project") { fields { name } } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'field-suggestion probe',
      () => query('{ projectz { totalCount } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'argument-suggestion probe',
      () => query('{ projects(firs: 1) { totalCount } }'),
      400,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'NUL byte in a variable',
      () =>
        query('query ($s: String) { projects(filter: { search: $s }) { totalCount } }', {
          s: 'a\u0000',
        }),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'invalid UTF-8 in the body',
      () =>
        send(
          Buffer.concat([
            Buffer.from('{"query":"{ tenant(code: \\"'),
            Buffer.from([0xff, 0xfe, 0xc3]),
            Buffer.from('\\") { code } }"}'),
          ]),
        ),
      200,
      undefined,
    ],
    [
      '10,000-item list',
      () =>
        query('query ($ids: [UUID!]) { activities(filter: { projectIds: $ids }) { totalCount } }', {
          ids: Array.from({ length: 10_000 }, () => SEED_IDS.projects.TJ),
        }),
      200,
      'BAD_USER_INPUT',
    ],
    [
      '10,000 tenant codes',
      () =>
        query('query ($t: [String!]) { projects(filter: { tenantCodes: $t }) { totalCount } }', {
          t: Array.from({ length: 10_000 }, () => 'TJ'),
        }),
      200,
      'BAD_USER_INPUT',
    ],
    [
      'unknown operation name',
      () => send(JSON.stringify({ query: 'query A { me { subject } }', operationName: 'B' })),
      400,
      'OPERATION_RESOLUTION_FAILURE',
    ],
    [
      'prototype pollution in variables',
      () =>
        send(
          '{"query":"query ($f: ProjectFilter) { projects(filter: $f) { totalCount } }","variables":{"f":{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}}}',
        ),
      400,
      'BAD_USER_INPUT',
    ],
    [
      'forged bearer token',
      () =>
        query('{ me { subject } }', undefined, {
          authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        }),
      401,
      'UNAUTHENTICATED',
    ],
    [
      'garbage API key',
      () =>
        query('{ me { subject } }', undefined, { authorization: '', 'x-api-key': "' OR 1=1 --" }),
      401,
      'UNAUTHENTICATED',
    ],
  ];

  // A rest parameter: jest would take a fifth declared parameter for `done` on shorter rows.
  it.each(cases)('%s', async (...row) => {
    const [, run, status, code, limit] = row;
    const answer = await run();
    if (process.env.DEBUG_HOSTILE) console.log(row[0], answer.status, answer.text.slice(0, 300));
    expectClean(answer);
    expect(answer.status).toBe(status);
    if (code) expect(codeOf(answer)).toBe(code);
    if (limit) expect(answer.json?.errors?.[0]?.extensions?.limit).toBe(limit);
    // No limit's value, and no suggestion, reaches the client.
    expect(answer.text).not.toMatch(/Did you mean|exceeded, found/);
  });

  const INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE activities; --",
    '%_%\\',
    "TJ' UNION SELECT id FROM tenants --",
    '$$; SELECT pg_sleep(10); $$',
  ];
  const FILTERS: [string, string][] = [
    ['projects.search', 'query ($s: String) { projects(filter: { search: $s }) { totalCount } }'],
    [
      'projects.tenantCodes',
      'query ($s: String!) { projects(filter: { tenantCodes: [$s] }) { totalCount } }',
    ],
    [
      'communities.search',
      'query ($s: String) { communities(filter: { search: $s }) { totalCount } }',
    ],
    [
      'communities.region',
      'query ($s: String) { communities(filter: { region: $s }) { totalCount } }',
    ],
    [
      'communities.district',
      'query ($s: String) { communities(filter: { district: $s }) { totalCount } }',
    ],
    [
      'activities.search',
      'query ($s: String) { activities(filter: { search: $s }) { totalCount } }',
    ],
    [
      'activities.tenantCodes',
      'query ($s: String!) { activities(filter: { tenantCodes: [$s] }) { totalCount } }',
    ],
    [
      'measurements.indicatorCodes',
      'query ($s: String!) { measurements(filter: { indicatorCodes: [$s] }) { totalCount } }',
    ],
    [
      'indicators.search',
      'query ($s: String) { indicators(filter: { search: $s }) { totalCount } }',
    ],
    ['tenant(code)', 'query ($s: String!) { tenant(code: $s) { code } }'],
  ];

  it.each(FILTERS)(
    'SQL injection strings in %s match nothing and break nothing',
    async (_name, q) => {
      for (const s of INJECTIONS) {
        const answer = await query(q, { s });
        expectClean(answer);
        expect(answer.status).toBe(200);
        const codes = (answer.json?.errors ?? []).map((e) => e.extensions?.code);
        expect(codes.filter((c) => c !== 'BAD_USER_INPUT')).toEqual([]);
        const data = JSON.stringify(answer.json?.data ?? {});
        expect(data).not.toMatch(/"totalCount":[1-9]/);
      }
    },
  );

  it('still answers a normal query afterwards, and every table is still there', async () => {
    const answer = await query(
      'query ($id: UUID!) { project(id: $id) { code activities(first: 5) { totalCount } } }',
      {
        id: SEED_IDS.projects.TJ,
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.json?.errors).toBeUndefined();
    const data = answer.json?.data as { project: { activities: { totalCount: number } } };
    expect(data.project.activities.totalCount).toBeGreaterThan(0);
    const [row] = await server.db.dataSource.query<{ n: string }[]>(
      'SELECT count(*) AS n FROM activities',
    );
    expect(Number(row!.n)).toBeGreaterThan(0);
  });
});
