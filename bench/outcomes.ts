import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { DEMO_USERS } from '../seeds/programme';
import { signToken } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { createApp } from '../src/server';

/**
 * `npm run bench:outcomes`: the median latency of outcome summaries through the real HTTP server,
 * against DATABASE_URL (or the embedded database), which should hold seed scale 1
 * (`npm run db:seed -- --scale 1`: a million measurements). Issue 5 asks for a cross-tenant
 * summary grouped by TENANT × INDICATOR under 100 ms at the median.
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARM_UP = 5;

const QUERY = `query ($filter: OutcomeFilter, $groupBy: [OutcomeDimension!]!) {
  outcomeSummaries(filter: $filter, groupBy: $groupBy) {
    indicator { code } tenant { code } region year baseline latest relativeChange
    sampleSize communities suppressed } }`;

const CASES = [
  {
    name: 'platform admin, all tenants, TENANT × INDICATOR',
    user: DEMO_USERS.platformAdmin.subject,
    variables: { groupBy: ['TENANT', 'INDICATOR'] },
  },
  {
    name: 'UN analyst under the TJ agreement, TENANT × INDICATOR (suppressed, audited)',
    user: DEMO_USERS.unAnalyst.subject,
    variables: { filter: { tenants: ['TJ'] }, groupBy: ['TENANT', 'INDICATOR'] },
  },
  {
    name: 'platform admin, all tenants, TENANT × REGION × YEAR',
    user: DEMO_USERS.platformAdmin.subject,
    variables: { groupBy: ['TENANT', 'REGION', 'YEAR'] },
  },
  {
    name: 'platform admin, all tenants, 2024 only (date window: no summary table)',
    user: DEMO_USERS.platformAdmin.subject,
    variables: { filter: { from: '2024-01-01', to: '2024-12-31' }, groupBy: ['TENANT'] },
  },
] as const;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent' });
  const database = await openDatabase(config, () => undefined);
  const app = await createApp({
    config,
    dataSource: database.dataSource,
    log: pino({ level: 'silent' }),
  });
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/graphql`;
  try {
    const [row] = await database.dataSource.query<{ count: string }[]>(
      `SELECT count(*) FROM measurements`,
    );
    console.log(
      `measurements: ${Number(row?.count).toLocaleString('en')}; ${RUNS} runs per case\n`,
    );
    for (const c of CASES) {
      const token = await signToken(config.jwt, c.user);
      const once = async () => {
        const started = performance.now();
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: QUERY, variables: c.variables }),
        });
        const body = (await response.json()) as { errors?: unknown[]; data?: unknown };
        const elapsed = performance.now() - started;
        if (body.errors) throw new Error(`${c.name}: ${JSON.stringify(body.errors)}`);
        return elapsed;
      };
      for (let i = 0; i < WARM_UP; i++) await once();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await once());
      times.sort((a, b) => a - b);
      console.log(
        `${c.name}\n  median ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms`,
      );
    }
  } finally {
    await app.apollo.stop();
    app.server.close();
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
