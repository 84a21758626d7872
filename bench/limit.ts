import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { escapeLiteral, Pool, type QueryResult } from 'pg';
import { Authenticator, principalPreamble, type Credential } from '../src/auth/authenticate';
import { loadConfig } from '../src/config';
import { APPLICATION_ROLE } from '../src/db/request-transaction';

/**
 * The one-message limit (issue 17): the benchmark's three queries behind a bare node:http
 * server that authenticates the same way as the API (the same JWT and API-key checks, the
 * same principal functions) and sends ONE simple-protocol message per request:
 *
 *   BEGIN; <principal function>; <request settings>; set_config('role', 'dg_app', true);
 *   <the query, which builds the answer's JSON itself>; COMMIT
 *
 * under the same row-level security, answering the same JSON as the API. Nothing can do a
 * request of this security design in fewer round trips or with less work in Node: it is the
 * bound the benchmark divides by. It does no logging, metrics, limits or GraphQL; an unknown
 * principal gets 401 (its statements ran with no tenant set, so they saw nothing).
 */

const config = loadConfig();
const pool = new Pool({ connectionString: config.databaseUrl, max: config.db.poolMax });
pool.on('error', () => undefined);
const authenticator = new Authenticator(config.jwt);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const PARTICIPANTS = `json_build_object('female', a.participants_female, 'male', a.participants_male,
  'other', a.participants_other,
  'total', a.participants_female + a.participants_male + a.participants_other)`;

/** Q1: TJ's first 20 projects → first 10 communities each → latest 5 activities each. */
const Q1 = `SELECT json_build_object('projects', json_build_object('nodes', coalesce(json_agg(
    json_build_object('id', p.id, 'name', p.name, 'communities', json_build_object('nodes', (
      SELECT coalesce(json_agg(json_build_object('id', c.id, 'name', c.name,
        'activities', json_build_object('nodes', (
          SELECT coalesce(json_agg(json_build_object('title', a.title, 'type', a.type,
              'startDate', a.start_date, 'participants', ${PARTICIPANTS})
            ORDER BY a.start_date DESC, a.id DESC), '[]')
          FROM (SELECT * FROM activities a
                 WHERE a.tenant_id = c.tenant_id AND a.community_id = c.id AND a.deleted_at IS NULL
                 ORDER BY a.start_date DESC, a.id DESC LIMIT 5) a)))
        ORDER BY c.name, c.id), '[]')
      FROM (SELECT c.* FROM project_communities pc
              JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id
             WHERE pc.tenant_id = p.tenant_id AND pc.project_id = p.id
             ORDER BY c.name, c.id LIMIT 10) c)))
    ORDER BY p.name, p.id), '[]'))) AS data
  FROM (SELECT p.* FROM projects p JOIN tenants t ON t.id = p.tenant_id
         WHERE t.code = 'TJ'
         ORDER BY p.name, p.id LIMIT 20) p`;

/** Q2: baseline vs endline of DV_PREVALENCE by tenant, under the analyst's agreements. */
const Q2 = `WITH pairs AS (
    SELECT DISTINCT ON (a.tenant_id) a.tenant_id, i.id AS indicator_id
      FROM sharing_agreements_in_force() a
      JOIN tenants t ON t.id = a.tenant_id
      JOIN indicators i ON i.id = ANY (a.indicator_ids) AND i.code = 'DV_PREVALENCE'
     WHERE t.code IN ('TJ', 'KG', 'UZ') AND 'TENANT' = ANY (a.allowed_group_by)
     ORDER BY a.tenant_id, a.id
  ), cells AS (
    SELECT c.* FROM outcome_cells(
      (SELECT array_agg(tenant_id ORDER BY tenant_id) FROM pairs),
      (SELECT array_agg(indicator_id ORDER BY tenant_id) FROM pairs),
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, ARRAY['INDICATOR', 'TENANT'], false, NULL) c
  )
  SELECT json_build_object('outcomeSummaries', coalesce(json_agg(json_build_object(
      'baseline', c.baseline, 'latest', c.latest,
      'relativeChange', CASE WHEN NOT c.suppressed AND c.baseline <> 0 AND c.latest IS NOT NULL
                             THEN c.latest::float8 / c.baseline::float8 - 1 END,
      'sampleSize', CASE WHEN c.suppressed THEN NULL
                         ELSE coalesce(least(CASE WHEN c.baseline IS NOT NULL THEN coalesce(c.baseline_n, 0) END,
                                             CASE WHEN c.latest IS NOT NULL THEN coalesce(c.latest_n, 0) END), 0) END,
      'communities', CASE WHEN c.suppressed THEN NULL
                          ELSE coalesce(least(CASE WHEN c.baseline IS NOT NULL THEN coalesce(c.baseline_communities, 0) END,
                                              CASE WHEN c.latest IS NOT NULL THEN coalesce(c.latest_communities, 0) END), 0) END,
      'suppressed', c.suppressed)
    ORDER BY c.indicator_code, c.tenant_id), '[]')) AS data
  FROM cells c`;

/** Q3: one activity with its community and project. */
const q3 = (id: string) => `SELECT json_build_object('activity', (
    SELECT json_build_object('id', a.id, 'title', a.title, 'type', a.type,
      'startDate', a.start_date,
      'participants', json_build_object('total',
        a.participants_female + a.participants_male + a.participants_other),
      'community', (SELECT json_build_object('name', c.name, 'region', c.region)
                      FROM communities c WHERE c.tenant_id = a.tenant_id AND c.id = a.community_id),
      'project', (SELECT json_build_object('name', p.name, 'code', p.code)
                    FROM projects p WHERE p.tenant_id = a.tenant_id AND p.id = a.project_id))
      FROM activities a WHERE a.id = ${escapeLiteral(id)} AND a.deleted_at IS NULL)) AS data`;

function queryOf(path: string, body: Record<string, unknown>): string | null {
  if (path === '/Q1') return Q1;
  if (path === '/Q2') return Q2;
  if (path === '/Q3' && typeof body.id === 'string' && UUID.test(body.id)) return q3(body.id);
  return null;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let credential: Credential;
  try {
    credential = await authenticator.credentialOf(req.headers);
  } catch {
    res.writeHead(401).end();
    return;
  }
  const body =
    chunks.length > 0
      ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>)
      : {};
  const query = queryOf(req.url ?? '', body);
  if (credential.kind === 'anonymous' || query === null) {
    res.writeHead(credential.kind === 'anonymous' ? 401 : 404).end();
    return;
  }
  const preamble = principalPreamble(credential, {
    requestId: randomUUID(),
    clientRequestId: null,
  });
  const text = [
    'BEGIN',
    ...preamble,
    `SELECT set_config('role', '${APPLICATION_ROLE}', true)`,
    query,
    'COMMIT',
  ].join('; ');
  const client = await pool.connect();
  let results: QueryResult[];
  try {
    results = (await client.query(text)) as unknown as QueryResult[];
    client.release();
  } catch (error) {
    // The message stopped inside its transaction: the connection is not reusable.
    client.release(true);
    throw error;
  }
  if (results[1]!.rows.length === 0) {
    res.writeHead(401).end();
    return;
  }
  const data = (results[results.length - 2]!.rows[0] as { data: unknown }).data;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.listen(config.port, config.host);
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
