import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { poolOf } from '../src/db/data-source';
import { openDatabase } from '../src/db/database';
import { createApp } from '../src/server';
import { ensureDevApiKey } from '../seeds/dev-api-key';
import { SEED_IDS, seedProgramme } from '../seeds/programme';

/**
 * `npm run bench:import`: times importActivities with 1,000 items through the real HTTP
 * server and PostgreSQL (DATABASE_URL, or a throw-away embedded server): fresh items (all
 * CREATED), the same items under a new key (all UNCHANGED), and a replay of a stored key.
 */
const ITEMS = 1000;
const RUNS = 5;

const QUERY = `mutation ($input: ImportActivitiesInput!) {
  importActivities(input: $input) { applied replayed created updated unchanged invalid }
}`;

function items(run: number) {
  return Array.from({ length: ITEMS }, (_, n) => ({
    externalId: `bench-${run}-${n}`,
    projectId: SEED_IDS.projects.TJ,
    communityId: SEED_IDS.communities.tjDusti,
    type: 'COMMUNITY_DIALOGUE',
    title: `Гуфтугӯи ҷамъиятӣ ${n}`,
    startDate: '2024-03-01',
    participants: { female: n % 40, male: n % 7, other: 0 },
  }));
}

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    EMBEDDED_PG_DIR: mkdtempSync(join(tmpdir(), 'dignity-graph-bench-')),
  });
  const database = await openDatabase(config, () => undefined);
  try {
    const client = await poolOf(database.dataSource).connect();
    let apiKey: string | null;
    try {
      await seedProgramme(client);
      apiKey = await ensureDevApiKey(client);
    } finally {
      client.release();
    }
    if (!apiKey) throw new Error('The development API key already exists; use a fresh database');
    const { server, apollo } = await createApp({
      config,
      dataSource: database.dataSource,
      log: pino({ level: 'silent' }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const send = async (key: string, run: number) => {
      const started = performance.now();
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        body: JSON.stringify({
          query: QUERY,
          variables: { input: { tenantCode: 'TJ', idempotencyKey: key, items: items(run) } },
        }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return performance.now() - started;
    };
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    const created: number[] = [];
    const unchanged: number[] = [];
    const replayed: number[] = [];
    await send('warm-up', -1);
    for (let run = 0; run < RUNS; run += 1) {
      created.push(await send(`create-${run}`, run));
      unchanged.push(await send(`again-${run}`, run));
      replayed.push(await send(`create-${run}`, run));
    }
    const line = (name: string, values: number[]) =>
      `${name.padEnd(28)} median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms`;
    console.log(`importActivities, ${ITEMS} items, ${RUNS} runs each`);
    console.log(line('all CREATED', created));
    console.log(line('all UNCHANGED (new key)', unchanged));
    console.log(line('replay of a stored key', replayed));
    await apollo.stop();
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
