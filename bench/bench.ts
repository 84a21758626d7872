import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import type { ClientBase } from 'pg';
import { ensureDevApiKey } from '../seeds/dev-api-key';
import { SEED_IDS, seedProgramme } from '../seeds/programme';
import { seedSynthetic } from '../seeds/synthetic';
import { generateApiKey } from '../src/auth/api-key-secret';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { poolOf } from '../src/db/data-source';
import { freePort } from '../src/db/embedded-postgres';

/**
 * `npm run bench [-- --scale N]`: the three workloads of issue 8 (and a 1,000-item import)
 * against the production server with every security layer on, on an embedded PostgreSQL of
 * its own whose synthetic data is loaded once and reused, and against the same queries written
 * by hand behind a bare HTTP server (bench/baseline.ts), the bound on this machine. Numbers
 * are reported, not asserted.
 */

const ROOT = join(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    // Writes the server's CPU profile (.cpuprofile, for Chrome DevTools) under bench/results/.
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const scale = Number(args.scale);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);

type Workload = Readonly<{
  name: string;
  description: string;
  body: string;
  headers: Record<string, string>;
  /** The same query on the hand-written baseline (bench/baseline.ts): its path and body. */
  baseline: { path: string; body: string };
  /** Checks one response, so a benchmark of errors cannot pass for a fast one. */
  check: (json: unknown) => boolean;
}>;

type Result = {
  name: string;
  description: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  sqlStatementsPerRequest: number | null;
  bytesPerResponse: number;
  /** The hand-written baseline's throughput on the same machine and data. */
  baselineRequestsPerSecond: number;
};

async function main(): Promise<void> {
  if (!Number.isInteger(scale) || scale < 1) throw new Error('--scale must be a whole number ≥ 1');
  const dataDir = join(ROOT, '.data', `bench-postgres-scale-${scale}`);
  const config = loadConfig({ ...process.env, DATABASE_URL: '', EMBEDDED_PG_DIR: dataDir });
  const say = (line: string) => console.log(line);

  say(`Preparing the benchmark database (scale ${scale}) in ${dataDir}`);
  const database = await openDatabase(config, say);
  const pool = poolOf(database.dataSource);
  const client = await pool.connect();
  let apiKey: string;
  try {
    await seedProgramme(client);
    await ensureDevApiKey(client);
    await seedSynthetic(client, scale, say);
    await grantAnalystEverywhere(client);
    apiKey = await benchApiKey(client);
  } finally {
    client.release();
  }
  const databaseUrl = (database.dataSource.options as { url: string }).url;

  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    SEED_ON_START: 'false',
    LOG_LEVEL: 'warn',
    // PostgreSQL's own rule of thumb, cores × 2 + 1: more connections only make the two cores
    // switch between backends (measured: 10 or 40 gave Q1 a higher p99 and no more throughput).
    DB_POOL_MAX: '5',
    // The benchmark measures throughput, not the limiter: raised through configuration only.
    RATE_LIMIT_POINTS: '100000000',
  };
  const server = await startServer('src/main.js', { ...env, PORT: String(port) }, '/readyz');
  const baselinePort = await freePort();
  const baseline = await startServer(
    'bench/baseline.js',
    { ...env, PORT: String(baselinePort) },
    '/',
  );
  const url = `http://127.0.0.1:${port}`;
  const baselineUrl = `http://127.0.0.1:${baselinePort}`;
  try {
    const jwt = { ...config.jwt, secret };
    const admin = await signToken(jwt, 'demo|tj-admin');
    const analyst = await signToken(jwt, 'demo|un-analyst');
    const workloads = buildWorkloads(admin, analyst, apiKey, await oneActivityId(pool));
    const results: Result[] = [];
    for (const workload of workloads) {
      if (args.only && !workload.name.startsWith(args.only)) continue;
      results.push(await run(url, baselineUrl, workload));
    }
    const importSeconds = await timeImport(url, admin);
    const peakRssMb = peakRss(server.child);
    report(results, importSeconds, peakRssMb);
  } finally {
    for (const { child } of [server, baseline]) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await database.close();
  }
}

function buildWorkloads(
  admin: string,
  analyst: string,
  apiKey: string,
  activityId: string,
): Workload[] {
  const json = { 'content-type': 'application/json' };
  return [
    {
      name: 'Q1 project page',
      description:
        "one tenant's first 20 projects → first 10 communities each → latest 5 activities each, as a TENANT_ADMIN",
      headers: { ...json, authorization: `Bearer ${admin}` },
      body: JSON.stringify({
        query: `query ProjectPage {
          projects(first: 20, filter: { tenantCodes: ["TJ"] }) {
            nodes { id name communities(first: 10) { nodes { id name
              activities(first: 5, orderBy: { field: START_DATE, direction: DESC }) {
                nodes { title type startDate participants { female male other total } } } } } }
          }
        }`,
      }),
      check: (body) => hasData(body, 'projects'),
      baseline: { path: '/Q1', body: '{}' },
    },
    {
      name: 'Q2 cross-country summary',
      description:
        'outcomeSummaries baseline vs endline of DV_PREVALENCE grouped by TENANT, as an analyst with agreements',
      headers: { ...json, authorization: `Bearer ${analyst}` },
      body: JSON.stringify({
        query: `query Summary {
          outcomeSummaries(filter: { tenants: ["TJ", "KG", "UZ"], indicatorCodes: ["DV_PREVALENCE"] }, groupBy: [TENANT]) {
            baseline latest relativeChange sampleSize communities suppressed
          }
        }`,
      }),
      check: (body) => hasData(body, 'outcomeSummaries'),
      baseline: { path: '/Q2', body: '{}' },
    },
    {
      name: 'Q3 one activity',
      description: 'an activity by id with its community and project, as an API key',
      headers: { ...json, 'x-api-key': apiKey },
      body: JSON.stringify({
        query: `query OneActivity($id: UUID!) {
          activity(id: $id) { id title type startDate participants { total }
            community { name region } project { name code } }
        }`,
        variables: { id: activityId },
      }),
      check: (body) => hasData(body, 'activity'),
      baseline: { path: '/Q3', body: JSON.stringify({ id: activityId }) },
    },
  ];
}

function hasData(body: unknown, field: string): boolean {
  const b = body as { data?: Record<string, unknown> | null; errors?: unknown[] };
  return !b.errors && b.data?.[field] !== null && b.data?.[field] !== undefined;
}

async function run(url: string, baselineUrl: string, workload: Workload): Promise<Result> {
  // One request first: it must succeed, and it says how many SQL statements a request takes.
  const statements = await statementsPerRequest(url, workload);
  const load = async (target: string, body: string) => {
    const options = { url: target, method: 'POST' as const, headers: workload.headers, body };
    await autocannon({ ...options, connections, duration: warmup });
    return autocannon({ ...options, connections, duration });
  };
  const result = await load(`${url}/graphql`, workload.body);
  const baseline = await load(`${baselineUrl}${workload.baseline.path}`, workload.baseline.body);
  if (baseline.errors + baseline.timeouts + baseline.non2xx > 0) {
    throw new Error(`The hand-written ${workload.name} failed: see the baseline's log above`);
  }
  return {
    name: workload.name,
    description: workload.description,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    sqlStatementsPerRequest: statements,
    bytesPerResponse: Math.round(result.throughput.total / Math.max(result.requests.total, 1)),
    baselineRequestsPerSecond: Math.round(baseline.requests.average),
  };
}

/**
 * Sends the workload's request once and reads how many SQL round trips it made from the
 * server's /metrics.
 */
async function statementsPerRequest(url: string, workload: Workload): Promise<number | null> {
  const before = await statementCounters(url);
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: workload.headers,
    body: workload.body,
  });
  const json: unknown = await response.json();
  if (!workload.check(json)) {
    throw new Error(
      `${workload.name} does not answer as expected: ${JSON.stringify(json).slice(0, 500)}`,
    );
  }
  const after = await statementCounters(url);
  return before !== null && after !== null ? after - before : null;
}

async function statementCounters(url: string): Promise<number | null> {
  const response = await fetch(`${url}/metrics`).catch(() => null);
  if (!response?.ok) return null;
  const text = await response.text();
  // The histogram of statements per request: its _sum lines add up every statement made (none
  // before the first GraphQL request).
  return text
    .split('\n')
    .filter((l) => l.startsWith('dg_graphql_sql_statements_sum'))
    .reduce((total, l) => total + Number(l.split(/\s+/).pop()), 0);
}

async function timeImport(url: string, admin: string): Promise<number | null> {
  const items = Array.from({ length: 1000 }, (_, i) => ({
    externalId: `bench-${Date.now()}-${i}`,
    projectId: SEED_IDS.projects.TJ,
    communityId: SEED_IDS.communities.tjNavobod,
    type: 'TRAINING',
    title: `Benchmark import ${i}`,
    startDate: '2024-03-01',
    participants: { female: 10, male: 5, other: 0 },
  }));
  const started = performance.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
    body: JSON.stringify({
      query: `mutation Import($input: ImportActivitiesInput!) {
        importActivities(input: $input) { created updated unchanged invalid }
      }`,
      variables: {
        input: { tenantCode: 'TJ', idempotencyKey: `bench-${Date.now()}`, dryRun: false, items },
      },
    }),
  });
  const json = (await response.json()) as { errors?: unknown[] };
  const seconds = (performance.now() - started) / 1000;
  if (json.errors) {
    console.log(`Import of 1,000 activities failed: ${JSON.stringify(json.errors).slice(0, 300)}`);
    return null;
  }
  return seconds;
}

/** The analyst's organisation gets an agreement in force in every tenant, for Q2. */
async function grantAnalystEverywhere(client: ClientBase): Promise<void> {
  await client.query(
    `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
       allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
     SELECT t.id, $1, ARRAY(SELECT id FROM indicators WHERE tenant_id IS NULL),
       ARRAY['TENANT', 'REGION', 'INDICATOR', 'YEAR'], 'REGION', 10, '2020-01-01', 'bench'
     FROM tenants t
     WHERE NOT EXISTS (SELECT 1 FROM sharing_agreements s
       WHERE s.tenant_id = t.id AND s.recipient_organisation_id = $1 AND s.revoked_at IS NULL)`,
    [SEED_IDS.organisations.unWomen],
  );
}

async function benchApiKey(client: ClientBase): Promise<string> {
  const key = generateApiKey();
  await client.query(
    `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, tenant_ids, scopes, created_by)
     VALUES ($1, 'bench key', $2, $3, ARRAY[$4, $5, $6]::uuid[], ARRAY['read'], 'bench')`,
    [
      SEED_IDS.organisations.internationalAlert,
      key.prefix,
      key.secretHash,
      SEED_IDS.tenants.TJ,
      SEED_IDS.tenants.KG,
      SEED_IDS.tenants.UZ,
    ],
  );
  return key.token;
}

async function oneActivityId(pool: { query: ClientBase['query'] }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM activities WHERE community_id IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET 1000`,
  );
  return rows[0]!.id;
}

/** Starts `dist/<script>` with `env` and waits until `readyPath` answers. */
async function startServer(
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<{ child: ChildProcess }> {
  const profile =
    args['cpu-prof'] && script === 'src/main.js'
      ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results')]
      : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, 'dist', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${env.PORT}${readyPath}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`The server exited with code ${child.exitCode}`);
    // Any HTTP answer from the baseline (it has no health route); 200 from the server's /readyz.
    const ok = await fetch(url)
      .then((r) => r.ok || readyPath === '/')
      .catch(() => false);
    if (ok) return { child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`${script} did not become ready within 60 s`);
}

/** The child's peak resident set (VmHWM), in MB. */
function peakRss(child: ChildProcess): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}

function report(results: Result[], importSeconds: number | null, peakRssMb: number | null): void {
  const rows = results.map((r) => [
    r.name,
    String(r.requestsPerSecond),
    `${r.p50Ms} ms`,
    `${r.p99Ms} ms`,
    String(r.errors + r.non2xx),
    r.sqlStatementsPerRequest === null ? 'n/a' : String(r.sqlStatementsPerRequest),
    String(r.bytesPerResponse),
    `${r.baselineRequestsPerSecond} (${(r.requestsPerSecond / r.baselineRequestsPerSecond).toFixed(2)}×)`,
  ]);
  const header = [
    'query',
    'req/s',
    'p50',
    'p99',
    'errors',
    'SQL/req',
    'bytes/resp',
    'hand-written req/s (ratio)',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log();
  console.log(
    `Import of 1,000 activities: ${importSeconds === null ? 'failed' : `${importSeconds.toFixed(2)} s`}`,
  );
  console.log(`Server peak RSS: ${peakRssMb ?? 'n/a'} MB`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `bench-scale-${scale}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      {
        scale,
        duration,
        warmup,
        connections,
        results,
        importSeconds,
        peakRssMb,
        at: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  console.log(`Wrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
