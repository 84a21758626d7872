import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { DEMO_USERS } from '../../seeds/programme';
import { signToken } from '../../src/auth/tokens';
import { loadConfig } from '../../src/config';
import { freePort } from '../../src/db/embedded-postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { TEST_JWT_SECRET } from '../helpers/server';

/*
 * The built server, as `npm start` runs it, receives SIGTERM during a slow request: the request
 * completes, new connections are refused, the pool closes and the process exits 0.
 */

const ROOT = join(__dirname, '..', '..');

describe('SIGTERM', () => {
  let db: TestDatabase;
  let api: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
      },
    );
    db = await createTestDatabase({ migrate: false });
    port = await freePort();
    api = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        SEED_ON_START: 'true',
        HOST: '127.0.0.1',
        PORT: String(port),
        JWT_SECRET: TEST_JWT_SECRET,
        // Test only: every GraphQL request waits this long before it runs.
        TEST_REQUEST_DELAY_MS: '1500',
        SHUTDOWN_GRACE_MS: '10000',
      },
    });
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start:\n${output}`)), 60_000);
      const check = () => {
        if (output.includes('is listening')) {
          clearTimeout(timer);
          resolve();
        } else if (api.exitCode !== null) {
          clearTimeout(timer);
          reject(new Error(`the server exited:\n${output}`));
        } else setTimeout(check, 50);
      };
      check();
    });
  }, 120_000);

  afterAll(async () => {
    if (api.exitCode === null) api.kill('SIGKILL');
    await db.drop();
  });

  /** A request on a fresh connection (no keep-alive reuse). */
  function freshConnection(): Promise<number | string> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      req.end();
    });
  }

  it('finishes the in-flight request, refuses new connections, closes and exits 0', async () => {
    const token = await signToken(
      loadConfig({ JWT_SECRET: TEST_JWT_SECRET }).jwt,
      DEMO_USERS.tjAdmin.subject,
    );
    const started = Date.now();
    const slow = fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ projects { totalCount } }' }),
    });
    const exited = new Promise<number | null>((resolve) =>
      api.once('exit', (code) => resolve(code)),
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    api.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await freshConnection()).toBe('ECONNREFUSED');

    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { projects: { totalCount: 2 } } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM received/);
    expect(output).toMatch(/Stopped/);

    // One structured line for the request: who, what, how long, how it ended — never the token.
    const line = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((entry) => entry.msg === 'graphql request');
    expect(line?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(line?.principal).toMatch(/^user:/);
    expect(line?.status).toBe(200);
    expect(line?.durationMs).toBeGreaterThanOrEqual(1500);
    expect(output).not.toContain(token);
  });
});
