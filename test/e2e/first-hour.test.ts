import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/db/embedded-postgres';
import { createTestDatabase, type TestDatabase } from '../helpers/database';

/**
 * What a newcomer meets in the first hour, with the real processes: `npm start` on an embedded
 * database configured by a `.env`, a token and the operator CLI against it, and the tools that
 * cannot run beside it saying so in one line.
 */

const ROOT = resolve(__dirname, '..', '..');
const dist = (script: string) => join(ROOT, 'dist', 'src', script);

type Run = { code: number | null; stdout: string; stderr: string };

/** Only what a shell would have: nothing of the test run's own database settings. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
}

function run(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args.join(' ')} did not finish: ${stdout}${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A failed tool's whole answer: one line, no stack, never "undefined". */
function expectOneLine(result: Run, pattern: RegExp): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/undefined|\n\s+at /);
}

describe('the first hour: npm start, a token, the CLI and the tools beside a running server', () => {
  let work: string;
  let port: number;
  let server: ChildProcess;
  let logs = '';
  let url: string;
  let other: TestDatabase | undefined;

  beforeAll(async () => {
    // The same build `npm start` makes (only what changed since the last one).
    const build = await run(
      [join(ROOT, 'src', 'scripts', 'build-if-stale.mjs')],
      { cwd: ROOT },
      180_000,
    );
    expect(build.stderr).toBe('');
    work = mkdtempSync(join(tmpdir(), 'dg-first-hour-'));
    // PostgreSQL runs as its own user (we are root in CI): it must reach .data/postgres.
    chmodSync(work, 0o755);
    port = await freePort();
    // Settings from a .env in the working directory, as a developer would keep them.
    writeFileSync(join(work, '.env'), `PORT=${port}\nLOG_LEVEL=info\n`);
    server = spawn(process.execPath, [dist('main.js')], {
      cwd: work,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`npm start did not listen:\n${logs}`)),
        150_000,
      );
      const check = () => {
        if (/is listening/.test(logs)) {
          clearTimeout(timer);
          done();
        }
      };
      server.stdout!.on('data', check);
      server.once('exit', () => fail(new Error(`npm start exited:\n${logs}`)));
    });
    url = `http://127.0.0.1:${port}`;
  }, 240_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
    await other?.drop();
  }, 60_000);

  it('compiles nothing when nothing changed (npm start, npm run token and the others start at once)', async () => {
    const outputs = [join(ROOT, 'dist', '.build-stamp'), dist('main.js'), dist('scripts/token.js')];
    const before = outputs.map((file) => statSync(file).mtimeMs);
    const again = await run([join(ROOT, 'src', 'scripts', 'build-if-stale.mjs')], { cwd: ROOT });
    expect(again).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(outputs.map((file) => statSync(file).mtimeMs)).toEqual(before);
  });

  it('logs JSON lines when its output is piped', () => {
    const lines = logs.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });

  it('listens on 127.0.0.1 only, on the PORT its .env gave', async () => {
    expect(logs).toContain(`listening on 127.0.0.1:${port}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (outside) {
      const refused = await new Promise<boolean>((done) => {
        const socket = connect({ host: outside.address, port, timeout: 2000 });
        socket.once('connect', () => (socket.destroy(), done(false)));
        socket.once('error', () => done(true));
        socket.once('timeout', () => (socket.destroy(), done(true)));
      });
      expect(refused).toBe(true);
    }
  });

  it('answers an anonymous request for data with 401 saying how to authenticate', async () => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ projects { totalCount } }' }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0]!.message).toMatch(/Authorization: Bearer/);
  });

  it('mints a token with npm run token that the running server accepts (one secret per data directory)', async () => {
    const token = await run(
      [dist('scripts/token.js'), '--user', 'tj-admin@demo.dignity-graph.org'],
      { cwd: work },
    );
    expect(token.stderr).toBe('');
    expect(token.code).toBe(0);
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token.stdout.trim()}`,
      },
      body: JSON.stringify({ query: '{ projects(first: 5) { nodes { code } } }' }),
    });
    expect(JSON.stringify(await res.json())).toContain('LWD-TJ');
    // The SDL for an authenticated principal, and for nobody else.
    const sdl = await fetch(`${url}/schema.graphql`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(sdl.status).toBe(200);
    await expect(sdl.text()).resolves.toContain('type Query {');
    expect((await fetch(`${url}/schema.graphql`)).status).toBe(401);
  });

  it('has a CLI that loads no development dependency (it runs in the production image)', async () => {
    const loaded = await run(
      [
        '-e',
        `require(${JSON.stringify(dist('scripts/cli.js'))});` +
          'console.log(JSON.stringify(Object.keys(require.cache)))',
      ],
      { cwd: ROOT },
    );
    expect(loaded.code).toBe(0);
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const packages = new Set(
      (JSON.parse(loaded.stdout) as string[]).flatMap((file) => {
        const match = /^.*?\/(node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file);
        return match ? [match[1]!] : [];
      }),
    );
    expect(packages.size).toBeGreaterThan(5);
    // `debug` (under express and typeorm) tries supports-color inside a try/catch when it is
    // installed, and does without it in the image.
    const optional = new Set(['node_modules/supports-color', 'node_modules/has-flag']);
    expect(
      [...packages].filter((name) => lock.packages[name]?.dev === true && !optional.has(name)),
    ).toEqual([]);
  });

  it('registers an admin and makes an API key with the CLI, both usable at once', async () => {
    const admin = await run(
      [
        dist('scripts/cli.js'),
        'admin',
        'create',
        '--subject',
        'ops|1',
        '--email',
        'ops@example.org',
        '--token',
        '10m',
      ],
      { cwd: work },
    );
    expect(admin.code).toBe(0);
    const asAdmin = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${admin.stdout.trim()}`,
      },
      body: JSON.stringify({ query: '{ me { platformAdmin } tenants { totalCount } }' }),
    });
    expect(await asAdmin.json()).toEqual({
      data: { me: { platformAdmin: true }, tenants: { totalCount: 3 } },
    });

    const key = await run(
      [
        dist('scripts/cli.js'),
        'apikey',
        'create',
        '--org',
        'International Alert',
        '--tenants',
        'KG',
        '--scopes',
        'read',
      ],
      { cwd: work },
    );
    expect(key.code).toBe(0);
    const asKey = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.stdout.trim() },
      body: JSON.stringify({ query: '{ tenants { nodes { code } } }' }),
    });
    expect(await asKey.json()).toEqual({ data: { tenants: { nodes: [{ code: 'KG' }] } } });
  });

  it.each([
    ['npm run db:migrate', 'scripts/migrate.js'],
    ['npm run db:seed', 'scripts/seed.js'],
    ['a second npm start', 'main.js'],
  ])('%s beside it says in one line which process holds .data/postgres', async (_name, script) => {
    const result = await run([dist(script)], { cwd: work });
    expectOneLine(
      result,
      new RegExp(
        `^The embedded PostgreSQL in \\.data/postgres is in use by process ${server.pid} \\(.*main\\.js\\): stop that process`,
      ),
    );
  });

  it('a second server on the same port says so in one line', async () => {
    other = await createTestDatabase();
    const result = await run([dist('main.js')], {
      cwd: work,
      env: { DATABASE_URL: other.url, PORT: String(port), SEED_ON_START: 'false' },
    });
    expectOneLine(result, new RegExp(`^Port ${port} is already in use on 127\\.0\\.0\\.1`));
  });

  it('refuses production without a database, or with the variable misspelled, naming it', async () => {
    const secret = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) };
    const missing = await run([dist('main.js')], { cwd: work, env: secret });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /DATABASE_URL: is required in production.*EMBEDDED_DATABASE=true/,
    );
    const misspelled = await run([dist('main.js')], {
      cwd: work,
      env: { ...secret, DATABSE_URL: 'postgres://db.example/dg' },
    });
    expect(misspelled.code).toBe(1);
    expect(misspelled.stderr).toMatch(
      /DATABSE_URL is not a variable .* did you mean DATABASE_URL\?/,
    );
    expect(misspelled.stderr).not.toMatch(/\n\s+at /);
  });
});
