import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { ensureDevApiKey } from '../seeds/dev-api-key';
import { SEED_IDS, seedProgramme } from '../seeds/programme';
import { seedSynthetic } from '../seeds/synthetic';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { poolOf } from '../src/db/data-source';
import { freePort } from '../src/db/embedded-postgres';
import {
  benchApiKey,
  grantAnalystEverywhere,
  ONE_ACTIVITY,
  oneActivityId,
  cpuMs,
  PROJECT_PAGE,
  peakRss,
  SMALL_UNIT,
  SUMMARY,
} from './fixtures';

/**
 * `npm run bench [-- --scale N]`: the three workloads (and a 1,000-item import) against the
 * production server with every security layer on, on an embedded PostgreSQL of its own whose
 * synthetic data is loaded once and reused (or a given server), beside the one-message limit
 * (bench/limit.ts), the bound of this security design, and with `--hand-written` the older
 * hand-written baseline (bench/baseline.ts). Numbers are reported, not asserted.
 */

const ROOT = join(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    duration: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    only: { type: 'string' },
    // Also loads the hand-written baseline (bench/baseline.ts: the API's services, no GraphQL).
    'hand-written': { type: 'boolean', default: false },
    'skip-import': { type: 'boolean', default: false },
    // A tenth of the activities and 2 % of the measurements (same projects and communities),
    // in a database of its own: loads in a minute where scale 1 takes several, for a loaded
    // machine. Q1 and Q3 keep their shape; Q2 reads fewer measurements.
    small: { type: 'boolean', default: false },
    // Writes the server's CPU profile (.cpuprofile, for Chrome DevTools) under bench/results/.
    'cpu-prof': { type: 'boolean', default: false },
    // A PostgreSQL of one's own instead of the embedded one (a Citus coordinator, say; also
    // BENCH_DATABASE_URL): migrated and seeded like the embedded one, its CPU not measured.
    'database-url': { type: 'string' },
    // Only the API, without the one-message limit (bench/limit.ts), whose single statement a
    // Citus cluster cannot plan (correlated sub-queries beside sub-queries in FROM).
    'no-limit': { type: 'boolean', default: false },
  },
});
const givenDatabaseUrl = args['database-url'] ?? process.env.BENCH_DATABASE_URL ?? null;
const scale = Number(args.scale);
const duration = Number(args.duration);
const warmup = Number(args.warmup);
const connections = Number(args.connections);
const rounds = Number(args.rounds);

/** What one target answers a workload at: its path and body. */
type Call = { path: string; body: string };

type Workload = Readonly<{
  name: string;
  description: string;
  headers: Record<string, string>;
  /** The query on each target: the API's /graphql, the limit, the hand-written baseline. */
  calls: Record<TargetName, Call>;
}>;

type TargetName = 'api' | 'limit' | 'hand-written';

type Target = { name: TargetName; url: string; child: ChildProcess };

/** One target's figures for one workload, summed over the rounds. */
type Measure = {
  requests: number;
  seconds: number;
  p99Ms: number[];
  p50Ms: number[];
  errors: number;
  serverCpuMs: number;
  postgresCpuMs: number;
  bytes: number;
};

type Result = {
  name: string;
  description: string;
  sqlStatementsPerRequest: Partial<Record<TargetName, number | null>>;
  targets: Partial<Record<TargetName, Summary>>;
};

type Summary = {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  serverCpuMsPerRequest: number;
  postgresCpuMsPerRequest: number;
  bytesPerResponse: number;
};

async function main(): Promise<void> {
  if (!Number.isInteger(scale) || scale < 1) throw new Error('--scale must be a whole number ≥ 1');
  const dataDir = join(ROOT, '.data', `bench-postgres-scale-${scale}${args.small ? '-small' : ''}`);
  const config = loadConfig(
    givenDatabaseUrl
      ? { ...process.env, DATABASE_URL: givenDatabaseUrl }
      : { ...process.env, DATABASE_URL: '', EMBEDDED_PG_DIR: dataDir },
  );
  const say = (line: string) => console.log(line);

  say(
    `Preparing the benchmark database (scale ${scale}) ${givenDatabaseUrl ? `at ${redacted(givenDatabaseUrl)}` : `in ${dataDir}`}`,
  );
  const database = await openDatabase(config, say);
  const pool = poolOf(database.dataSource);
  const client = await pool.connect();
  let apiKey: string;
  try {
    await seedProgramme(client);
    await ensureDevApiKey(client);
    await seedSynthetic(client, scale, say, args.small ? { unit: SMALL_UNIT } : {});
    await grantAnalystEverywhere(client);
    apiKey = await benchApiKey(client);
  } finally {
    client.release();
  }
  const databaseUrl = (database.dataSource.options as { url: string }).url;

  const secret = randomBytes(32).toString('hex');
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
  const start = async (name: TargetName, script: string, readyPath: string): Promise<Target> => {
    const port = await freePort();
    const { child } = await startServer(script, { ...env, PORT: String(port) }, readyPath);
    return { name, url: `http://127.0.0.1:${port}`, child };
  };
  const targets: Target[] = [await start('api', 'src/main.js', '/readyz')];
  if (!args['no-limit']) targets.push(await start('limit', 'bench/limit.js', '/'));
  if (args['hand-written']) targets.push(await start('hand-written', 'bench/baseline.js', '/'));
  // The server's processes are known only for the embedded one.
  const postgres = givenDatabaseUrl ? null : postmasterPid(dataDir);
  if (postgres === null) say('PostgreSQL CPU is not measured (a given server): it reads 0');
  try {
    const jwt = { ...config.jwt, secret };
    const admin = await signToken(jwt, 'demo|tj-admin');
    const analyst = await signToken(jwt, 'demo|un-analyst');
    const workloads = buildWorkloads(admin, analyst, apiKey, await oneActivityId(pool)).filter(
      (w) => !args.only || w.name.startsWith(args.only),
    );
    const results: Result[] = [];
    for (const workload of workloads) {
      results.push(await check(targets, workload));
    }
    const measures = new Map<string, Measure>();
    // Interleaved: every round loads each workload on every target, in the opposite order to
    // the round before, so drift of a shared machine's load falls on all targets alike.
    for (let round = 0; round < rounds; round++) {
      for (const workload of workloads) {
        const order = round % 2 === 0 ? targets : [...targets].reverse();
        for (const target of order) {
          const key = `${workload.name}|${target.name}`;
          const measure = await load(target, workload, postgres);
          say(
            `round ${round + 1} ${workload.name} ${target.name}: ${Math.round(measure.requests / measure.seconds)} req/s`,
          );
          measures.set(key, add(measures.get(key), measure));
        }
      }
    }
    for (const result of results) {
      for (const target of targets) {
        result.targets[target.name] = summarise(measures.get(`${result.name}|${target.name}`)!);
      }
    }
    const importSeconds = args['skip-import'] ? null : await timeImport(targets[0]!.url, admin);
    const peakRssMb = Object.fromEntries(targets.map((t) => [t.name, peakRss(t.child)]));
    report(results, targets, importSeconds, peakRssMb);
  } finally {
    for (const { child } of targets) {
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
      calls: calls('/Q1', '{}', {
        query: PROJECT_PAGE,
      }),
    },
    {
      name: 'Q2 cross-country summary',
      description:
        'outcomeSummaries baseline vs endline of DV_PREVALENCE grouped by TENANT, as an analyst with agreements',
      headers: { ...json, authorization: `Bearer ${analyst}` },
      calls: calls('/Q2', '{}', {
        query: SUMMARY,
      }),
    },
    {
      name: 'Q3 one activity',
      description: 'an activity by id with its community and project, as an API key',
      headers: { ...json, 'x-api-key': apiKey },
      calls: calls('/Q3', JSON.stringify({ id: activityId }), {
        query: ONE_ACTIVITY,
        variables: { id: activityId },
      }),
    },
  ];
}

/** The same query on every target: GraphQL on the API, a path on the two bare servers. */
function calls(path: string, body: string, graphql: object): Record<TargetName, Call> {
  return {
    api: { path: '/graphql', body: JSON.stringify(graphql) },
    limit: { path, body },
    'hand-written': { path, body },
  };
}

/**
 * Before any load: every target answers the workload once, without errors and with the same
 * data as the API (numbers compared to 9 significant digits: the limit computes ratios in
 * SQL), so a fast target cannot be fast by answering less. Also reads how many SQL round
 * trips one API request makes, from the server's /metrics.
 */
async function check(targets: Target[], workload: Workload): Promise<Result> {
  const answers: unknown[] = [];
  const statements: Result['sqlStatementsPerRequest'] = {};
  for (const target of targets) {
    const before = target.name === 'api' ? await statementCounters(target.url) : null;
    const call = workload.calls[target.name];
    const response = await fetch(`${target.url}${call.path}`, {
      method: 'POST',
      headers: workload.headers,
      body: call.body,
    });
    const json = (await response.json().catch(() => null)) as {
      data?: unknown;
      errors?: unknown;
    } | null;
    if (!response.ok || !json || json.errors || json.data === undefined) {
      throw new Error(
        `${target.name} does not answer ${workload.name}: ${response.status} ${JSON.stringify(json).slice(0, 500)}`,
      );
    }
    answers.push(json.data);
    if (target.name === 'api') {
      const after = await statementCounters(target.url);
      statements.api = before !== null && after !== null ? after - before : null;
    }
  }
  // The one-message limit makes one round trip by construction, the baseline as the API.
  statements.limit = 1;
  const first = normalise(answers[0]);
  for (let i = 1; i < answers.length; i++) {
    const other = normalise(answers[i]);
    if (other !== first) {
      throw new Error(
        `${targets[i]!.name} answers ${workload.name} differently from ${targets[0]!.name}:\n${other.slice(0, 400)}\n${first.slice(0, 400)}`,
      );
    }
  }
  if (first.length < 20) throw new Error(`${workload.name} answers almost nothing: ${first}`);
  return {
    name: workload.name,
    description: workload.description,
    sqlStatementsPerRequest: statements,
    targets: {},
  };
}

function normalise(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v,
  );
}

/** Warms a target up on a workload, then loads it and reads the CPU it and PostgreSQL spent. */
async function load(target: Target, workload: Workload, postgres: number | null): Promise<Measure> {
  const call = workload.calls[target.name];
  const options = {
    url: `${target.url}${call.path}`,
    method: 'POST' as const,
    headers: workload.headers,
    body: call.body,
    connections,
  };
  await autocannon({ ...options, duration: warmup });
  const server0 = cpuMs(target.child.pid ?? null, false);
  const postgres0 = cpuMs(postgres, true);
  const started = performance.now();
  const result = await autocannon({ ...options, duration });
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: result.requests.total,
    seconds,
    p50Ms: [result.latency.p50],
    p99Ms: [result.latency.p99],
    errors: result.errors + result.timeouts + result.non2xx,
    serverCpuMs: cpuMs(target.child.pid ?? null, false) - server0,
    postgresCpuMs: cpuMs(postgres, true) - postgres0,
    bytes: result.throughput.total,
  };
}

function add(sum: Measure | undefined, m: Measure): Measure {
  if (!sum) return m;
  return {
    requests: sum.requests + m.requests,
    seconds: sum.seconds + m.seconds,
    p50Ms: [...sum.p50Ms, ...m.p50Ms],
    p99Ms: [...sum.p99Ms, ...m.p99Ms],
    errors: sum.errors + m.errors,
    serverCpuMs: sum.serverCpuMs + m.serverCpuMs,
    postgresCpuMs: sum.postgresCpuMs + m.postgresCpuMs,
    bytes: sum.bytes + m.bytes,
  };
}

function summarise(m: Measure): Summary {
  const perRequest = (x: number) => x / Math.max(m.requests, 1);
  return {
    requestsPerSecond: m.requests / m.seconds,
    // The worst round's: a p99 is not an average.
    p50Ms: Math.max(...m.p50Ms),
    p99Ms: Math.max(...m.p99Ms),
    errors: m.errors,
    serverCpuMsPerRequest: perRequest(m.serverCpuMs),
    postgresCpuMsPerRequest: perRequest(m.postgresCpuMs),
    bytesPerResponse: Math.round(perRequest(m.bytes)),
  };
}

/** A database URL without its password, for the log. */
function redacted(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** The embedded PostgreSQL's postmaster, from the postmaster.pid in its data directory. */
function postmasterPid(dataDir: string): number | null {
  for (const dir of [dataDir, ...readdirSync(dataDir).map((d) => join(dataDir, d))]) {
    try {
      const pid = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) return pid;
    } catch {
      // not this directory
    }
  }
  return null;
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

function report(
  results: Result[],
  targets: Target[],
  importSeconds: number | null,
  peakRssMb: Record<string, number | null>,
): void {
  const names = targets.map((t) => t.name);
  const both = (r: Result, f: (s: Summary) => string) =>
    names.map((n) => f(r.targets[n]!)).join(' · ');
  const rows = results.map((r) => {
    const api = r.targets.api!;
    const limit = r.targets.limit;
    return [
      r.name,
      both(r, (s) => String(Math.round(s.requestsPerSecond))),
      limit ? (api.requestsPerSecond / limit.requestsPerSecond).toFixed(2) : 'n/a',
      both(r, (s) => s.serverCpuMsPerRequest.toFixed(2)),
      both(r, (s) => s.postgresCpuMsPerRequest.toFixed(2)),
      names.map((n) => String(r.sqlStatementsPerRequest[n] ?? 'n/a')).join(' · '),
      both(r, (s) => `${s.p99Ms}`),
      limit ? (api.p99Ms / Math.max(limit.p99Ms, 1)).toFixed(2) : 'n/a',
      both(r, (s) => String(s.errors)),
      String(api.bytesPerResponse),
    ];
  });
  const header = [
    'query',
    `req/s (${names.join(' · ')})`,
    'api/limit',
    'server CPU ms/req',
    'PostgreSQL CPU ms/req',
    'round trips',
    'p99 ms',
    'p99 api/limit',
    'errors',
    'bytes/resp',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log();
  console.log(
    `scale ${scale}, ${connections} connections, ${rounds} interleaved rounds of ${duration} s (+${warmup} s warm-up) per target`,
  );
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log();
  console.log(
    `Import of 1,000 activities: ${importSeconds === null ? 'not run or failed' : `${importSeconds.toFixed(2)} s`}`,
  );
  console.log(`Peak RSS: ${names.map((n) => `${n} ${peakRssMb[n] ?? 'n/a'} MB`).join(', ')}`);
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
        rounds,
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
