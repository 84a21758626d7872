import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pino from 'pino';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { poolOf } from '../src/db/data-source';
import { createApp } from '../src/server';
import { DEMO_USERS, SEED_IDS, seedProgramme } from '../seeds/programme';

/*
 * `npm run soak`: a bounded load on loopback (SOAK_DURATION_S, at most 60 s) mixing ordinary
 * reads with abusive requests, against the real HTTP server over a real database (DATABASE_URL,
 * or an embedded PostgreSQL in a temporary directory). Prints requests, answers by status and
 * error code, p50/p99 latency and peak RSS; exits 1 on any 5xx or masked internal error.
 *
 * The rate limit is raised for the run through configuration, as an operator would.
 */

const DURATION_S = Math.min(60, Number(process.env.SOAK_DURATION_S ?? 30));
const CONNECTIONS = Math.min(100, Number(process.env.SOAK_CONNECTIONS ?? 20));

async function main(): Promise<void> {
  const dataDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), 'dg-soak-pg-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
    EMBEDDED_PG_DIR: dataDir ?? '',
    JWT_SECRET: 'soak-secret-that-is-long-enough-for-hs256-signing',
    RATE_LIMIT_POINTS: '1000000000',
    DB_POOL_MAX: '20',
  });
  const database = await openDatabase(config, () => undefined);
  const client = await poolOf(database.dataSource).connect();
  try {
    await seedProgramme(client);
  } finally {
    client.release();
  }
  const app = await createApp({
    config,
    dataSource: database.dataSource,
    log: pino({ level: 'silent' }),
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const { port } = app.server.address() as AddressInfo;

  const tokens = await Promise.all(
    [DEMO_USERS.tjAdmin, DEMO_USERS.kgAdmin].map((user) => signToken(config.jwt, user.subject)),
  );
  const json = (body: unknown, token: string | null = tokens[0]!) => ({
    method: 'POST' as const,
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // 20 levels: project → communities → nodes → activities → nodes → project → …
  const levels = ['communities', 'nodes', 'activities', 'nodes', 'project'];
  const deep = `{ projects { nodes { ${Array.from({ length: 20 }, (_, i) => `${levels[i % 5]} {`).join(' ')} id ${'} '.repeat(20)} } } }`;
  const requests = [
    // Reads.
    json({
      query: `query ProjectPage($id: UUID!) { project(id: $id) { code communities(first: 10) { totalCount nodes { name activities(first: 10) { totalCount nodes { title participants { total } } } } } } }`,
      variables: { id: SEED_IDS.projects.TJ },
    }),
    json(
      {
        query:
          'query Activities { activities(first: 50) { totalCount nodes { id title type startDate } } }',
      },
      tokens[1],
    ),
    json({
      query: 'query Me { me { subject memberships { role } } tenants { nodes { code name } } }',
    }),
    json({ query: 'query Indicators { indicators { nodes { code name unit } } }' }, tokens[1]),
    // Abuse.
    json({ query: deep }),
    json({
      query: `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: me { subject }`).join(' ')} }`,
    }),
    json({
      query: 'query ($n: Int) { activities(first: $n) { nodes { id } } }',
      variables: { n: 10_000_000 },
    }),
    json({ query: `{ me { ${'subject '.repeat(3000)} } }` }),
    json('{"query": "{ me { subject } "'),
    json({ query: '{ projects { totalCount } }' }, null),
    json({ query: '{ __typename }' }, 'not-a-token'),
  ];

  const codes = new Map<string, number>();
  const statuses = new Map<number, number>();
  const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);

  console.log(
    `Soak: ${DURATION_S} s, ${CONNECTIONS} connections, http://127.0.0.1:${port}/graphql`,
  );
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: requests.map((r) => ({
      ...r,
      onResponse: (status: number, body: string) => {
        count(statuses, status);
        try {
          const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
          for (const error of parsed.errors ?? []) count(codes, error.extensions?.code ?? 'NONE');
        } catch {
          count(codes, 'NOT_JSON');
        }
      },
    })),
  });
  clearInterval(sampler);

  console.log(`requests: ${result.requests.total} (${Math.round(result.requests.average)}/s)`);
  console.log(`by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  console.log(`errors by code: ${JSON.stringify(Object.fromEntries([...codes].sort()))}`);
  console.log(`latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
  console.log(`peak RSS: ${Math.round(peakRss / 1024 / 1024)} MiB`);
  console.log(`timeouts: ${result.timeouts}, connection errors: ${result.errors}`);

  await app.stop();
  await database.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  const serverErrors = [...statuses].filter(([status]) => status >= 500).length;
  if (serverErrors > 0 || codes.has('INTERNAL_SERVER_ERROR') || result.errors > 0) {
    console.error('Soak failed: server errors under load');
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
