import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDevApiKey } from '../seeds/dev-api-key';
import { seedProgramme } from '../seeds/programme';
import { seedSynthetic } from '../seeds/synthetic';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { poolOf } from '../src/db/data-source';
import { freePort } from '../src/db/embedded-postgres';
import {
  benchApiKey,
  cpuMs,
  grantAnalystEverywhere,
  ONE_ACTIVITY,
  oneActivityId,
  PROJECT_PAGE,
  peakRss,
  SMALL_UNIT,
  SUMMARY,
} from './fixtures';

/**
 * `npm run bench:cpu -- --database-url URL [--server A.js --server B.js]`: the server's own CPU
 * per request, which a shared machine's load does not change as it changes req/s. Each server
 * (the production one, NODE_ENV=production, every layer on; `--server` names other builds of
 * it, such as the code before a change) runs as a child process; the three benchmark queries
 * are sent to it one at a time on one keep-alive connection, and the child's user + system CPU
 * (from /proc) over those requests is divided by their number. Servers alternate, in reverse
 * order every other pass, so a drifting load falls on each alike. Loads the --small data of
 * `npm run bench` into the given database on first use.
 */

const ROOT = join(__dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    server: { type: 'string', multiple: true },
    passes: { type: 'string', default: '4' },
    requests: { type: 'string', default: '400' },
    warmup: { type: 'string', default: '100' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});

type Query = { name: string; headers: Record<string, string>; body: string; per: number };

async function main(): Promise<void> {
  const databaseUrl = args['database-url'] ?? process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('--database-url (or BENCH_DATABASE_URL) is required');
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
  const database = await openDatabase(config, (line) => console.log(line));
  const pool = poolOf(database.dataSource);
  const client = await pool.connect();
  let apiKey: string;
  let activityId: string;
  try {
    await seedProgramme(client);
    await ensureDevApiKey(client);
    await seedSynthetic(client, 1, (line) => console.log(line), { unit: SMALL_UNIT });
    await grantAnalystEverywhere(client);
    apiKey = await benchApiKey(client);
    activityId = await oneActivityId(client);
  } finally {
    client.release();
  }
  await database.close();

  const secret = randomBytes(32).toString('hex');
  const jwt = { ...config.jwt, secret };
  const admin = await signToken(jwt, 'demo|tj-admin');
  const analyst = await signToken(jwt, 'demo|un-analyst');
  const json = { 'content-type': 'application/json' };
  const requests = Number(args.requests);
  const queries: Query[] = [
    {
      name: 'Q1',
      headers: { ...json, authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: PROJECT_PAGE }),
      // A Q1 costs tens of times a Q3: fewer of them.
      per: Math.max(20, Math.round(requests / 10)),
    },
    {
      name: 'Q2',
      headers: { ...json, authorization: `Bearer ${analyst}` },
      body: JSON.stringify({ query: SUMMARY }),
      per: requests,
    },
    {
      name: 'Q3',
      headers: { ...json, 'x-api-key': apiKey },
      body: JSON.stringify({ query: ONE_ACTIVITY, variables: { id: activityId } }),
      per: requests,
    },
  ].filter((q) => !args.only || args.only.split(',').includes(q.name));

  const scripts = args.server?.length ? args.server : [join(ROOT, 'dist', 'src', 'main.js')];
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    SEED_ON_START: 'false',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    DB_POOL_MAX: '5',
    RATE_LIMIT_POINTS: '100000000',
    WEBHOOK_WORKER: 'off',
  };
  const servers = [];
  for (const script of scripts) servers.push(await startServer(resolve(script), env));
  const totals = new Map<string, { ms: number; n: number }>();
  try {
    for (let pass = 0; pass < Number(args.passes); pass++) {
      const order = pass % 2 === 0 ? servers : [...servers].reverse();
      for (const server of order) {
        for (const query of queries) {
          for (let i = 0; i < Number(args.warmup); i++) await send(server, query);
          const before = cpuMs(server.child.pid ?? null, false);
          for (let i = 0; i < query.per; i++) await send(server, query);
          const ms = cpuMs(server.child.pid ?? null, false) - before;
          const key = `${server.script}|${query.name}`;
          const total = totals.get(key) ?? { ms: 0, n: 0 };
          totals.set(key, { ms: total.ms + ms, n: total.n + query.per });
          console.log(
            `pass ${pass + 1} ${query.name} ${server.script}: ${(ms / query.per).toFixed(3)} ms/req (load ${loadavg()[0]!.toFixed(1)})`,
          );
        }
      }
    }
    console.log();
    for (const server of servers) {
      const cells = queries.map((q) => {
        const t = totals.get(`${server.script}|${q.name}`)!;
        return `${q.name} ${(t.ms / t.n).toFixed(3)}`;
      });
      console.log(
        `${server.script}: server CPU ms/req ${cells.join(', ')}; peak RSS ${peakRss(server.child)} MB`,
      );
    }
  } finally {
    for (const { child } of servers) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  }
}

type Server = { script: string; port: number; child: ChildProcess; agent: Agent };

function send(server: Server, query: Query): Promise<void> {
  return new Promise((done, fail) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path: '/graphql',
        method: 'POST',
        headers: { ...query.headers, 'content-length': Buffer.byteLength(query.body) },
        agent: server.agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200 || text.includes('"errors"')) {
            fail(new Error(`${query.name}: ${res.statusCode} ${text.slice(0, 300)}`));
          } else done();
        });
      },
    );
    req.on('error', fail);
    req.end(query.body);
  });
}

async function startServer(script: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const profile = args['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', join(ROOT, 'bench', 'results')]
    : [];
  const child = spawn(process.execPath, [...profile, script], {
    env: { ...process.env, ...env, PORT: String(port) },
    // The request log is written as in production (to a pipe), and thrown away here.
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.resume();
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${script} exited with code ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      return { script: script.replace(`${ROOT}/`, ''), port, child, agent };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  child.kill();
  throw new Error(`${script} did not become ready within 60 s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
