import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_USERS } from '../../seeds/programme';
import { freePort } from '../../src/db/embedded-postgres';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * PostgreSQL goes away under a running API and comes back: /readyz says so within 2 s,
 * GraphQL requests fail fast with SERVICE_UNAVAILABLE, and the API recovers by itself within
 * 5 s of the database returning — no restart.
 */

const LAUNCHER = join(__dirname, '..', 'helpers', 'postgres-launcher.mjs');

/** Starts the dedicated PostgreSQL and resolves once it accepts connections. */
function startPostgres(dir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, dir, String(port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`PostgreSQL launcher exited with ${code}`)));
  });
}

function stopPostgres(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const result = await run();
  return [result, Date.now() - started];
}

describe('a PostgreSQL outage', () => {
  let dir: string;
  let port: number;
  let postgres: ChildProcess;
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dignity-graph-outage-pg-'));
    port = await freePort();
    postgres = await startPostgres(dir, port);
    server = await startTestServer({
      adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
      env: { DB_CONNECTION_TIMEOUT_MS: '1000' },
    });
    token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (postgres) await stopPostgres(postgres);
    rmSync(dir, { recursive: true, force: true });
  });

  const projects = () => server.graphql('{ projects { totalCount } }', {}, token);

  it('is reported, fails requests fast, and heals by itself when the database returns', async () => {
    expect((await projects()).body.data).toEqual({ projects: { totalCount: 2 } });

    await stopPostgres(postgres);

    const [ready, readyMs] = await timed(() => fetch(`${server.url}/readyz`));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ok: false, database: 'down' });
    expect(readyMs).toBeLessThan(2000);

    for (let i = 0; i < 3; i += 1) {
      const [res, ms] = await timed(projects);
      expect(res.status).toBe(503);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|connect/);
      expect(ms).toBeLessThan(2000);
    }
    // The process itself is fine, and says so.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    postgres = await startPostgres(dir, port);
    const back = Date.now();
    let recovered = false;
    while (Date.now() - back < 5000) {
      const res = await projects();
      if (res.status === 200 && !res.body.errors) {
        recovered = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(recovered).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await projects()).body.data).toEqual({ projects: { totalCount: 2 } });
  });
});
