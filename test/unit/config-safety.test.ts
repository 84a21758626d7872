import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, DEV_SECRET_FILE, loadConfig, unknownVariables } from '../../src/config';

// A GBV data system must not be easy to run unsafely: every default that would be dangerous
// in production is refused there, and a mistake in a variable's name is named.

const SECRET = { JWT_SECRET: 'a-production-secret-that-is-long-enough' };
const DB = { DATABASE_URL: 'postgres://db.example/dignity_graph' };
const tempDir = () => mkdtempSync(join(tmpdir(), 'dg-config-'));

describe('production never falls back to the embedded database', () => {
  it('refuses to start without DATABASE_URL, naming it and the way to ask for embedded', () => {
    const attempt = () => loadConfig({ NODE_ENV: 'production', ...SECRET });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_URL: is required in production/);
    expect(attempt).toThrow(/EMBEDDED_DATABASE=true/);
  });

  it('refuses a misspelled DATABASE_URL, naming the variable it was meant to be', () => {
    const attempt = () =>
      loadConfig({ NODE_ENV: 'production', ...SECRET, DATABSE_URL: DB.DATABASE_URL });
    expect(attempt).toThrow(
      /DATABSE_URL is not a variable Dignity Graph reads: did you mean DATABASE_URL\?/,
    );
    expect(attempt).toThrow(/DATABASE_URL: is required in production/);
  });

  it('runs embedded in production only when EMBEDDED_DATABASE=true says so', () => {
    const config = loadConfig({ NODE_ENV: 'production', ...SECRET, EMBEDDED_DATABASE: 'true' });
    expect(config.databaseUrl).toBeUndefined();
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ...SECRET, ...DB, EMBEDDED_DATABASE: 'true' }),
    ).toThrow(/EMBEDDED_DATABASE: is true but DATABASE_URL is set too/);
  });

  it('outside production, uses the embedded database unless told EMBEDDED_DATABASE=false', () => {
    expect(loadConfig({ ...SECRET }).databaseUrl).toBeUndefined();
    expect(() => loadConfig({ ...SECRET, EMBEDDED_DATABASE: 'false' })).toThrow(
      /DATABASE_URL: is required when EMBEDDED_DATABASE=false/,
    );
  });
});

describe('variables that look like ours but are not', () => {
  it.each([
    ['JWT_SECERT', 'JWT_SECRET'],
    ['DATABASE_ULR', 'DATABASE_URL'],
    ['database_url', 'DATABASE_URL'],
    ['SEED_ON_STRAT', 'SEED_ON_START'],
    ['PROT', 'PORT'],
    ['RATE_LIMIT_DURATION', 'RATE_LIMIT_DURATION_S'],
    ['DB_POOL_SIZE', 'DB_POOL_MAX'],
    ['JWT_ISS', 'JWT_ISSUER'],
  ])('warns about %s outside production, naming %s', (name, meant) => {
    const config = loadConfig({ ...SECRET, [name]: 'x' });
    expect(config.warnings).toEqual([
      `${name} is not a variable Dignity Graph reads: did you mean ${meant}?`,
    ]);
  });

  it('warns about an unknown name with our prefix, naming one of that family', () => {
    expect(loadConfig({ ...SECRET, JWT_ALGORITHM: 'RS256' }).warnings).toEqual([
      expect.stringMatching(
        /^JWT_ALGORITHM is not a variable Dignity Graph reads: did you mean JWT_\w+\?$/,
      ),
    ]);
  });

  it('refuses them in production', () => {
    const attempt = () =>
      loadConfig({ NODE_ENV: 'production', ...SECRET, ...DB, JWT_AUDIENC: 'partners' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/JWT_AUDIENC .*did you mean JWT_AUDIENCE\?/);
  });

  it("leaves the machine's own variables alone", () => {
    const machine = {
      PATH: '/usr/bin',
      HOME: '/root',
      HOSTNAME: 'api-1',
      USER: 'node',
      SHELL: '/bin/sh',
      TERM: 'xterm',
      LANG: 'C.UTF-8',
      PWD: '/app',
      TZ: 'UTC',
      NODE_VERSION: '24.0.0',
      YARN_VERSION: '1.22.22',
      NODE_OPTIONS: '--max-old-space-size=512',
      PGHOST: 'db',
      PGPORT: '5432',
      KUBERNETES_SERVICE_HOST: '10.0.0.1',
      DIGNITY_GRAPH_PORT: 'tcp://10.0.0.2:4000',
      npm_lifecycle_event: 'start',
      npm_config_cache: '/root/.npm',
      INIT_CWD: '/app',
      CI: 'true',
    };
    expect(loadConfig({ NODE_ENV: 'production', ...SECRET, ...DB, ...machine }).warnings).toEqual(
      [],
    );
  });
});

describe('development defaults that are safe on an office network', () => {
  it('listens on 127.0.0.1 unless HOST says otherwise', () => {
    expect(loadConfig({ ...SECRET }).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'production', ...SECRET, ...DB }).host).toBe('127.0.0.1');
    expect(loadConfig({ ...SECRET, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('signs development tokens with a secret made at random once per data directory', () => {
    const [a, b] = [tempDir(), tempDir()];
    const first = loadConfig({ DATA_DIR: a }).jwt.secret!;
    expect(first.length).toBeGreaterThanOrEqual(32);
    // Kept: the next start (and `npm run token`) signs with the same one.
    expect(loadConfig({ DATA_DIR: a }).jwt.secret).toBe(first);
    expect(readFileSync(join(a, DEV_SECRET_FILE), 'utf8').trim()).toBe(first);
    // Readable by its owner only.
    expect(statSync(join(a, DEV_SECRET_FILE)).mode & 0o077).toBe(0);
    // Another instance's is another secret.
    expect(loadConfig({ DATA_DIR: b }).jwt.secret).not.toBe(first);
    expect(loadConfig({ DATA_DIR: a }).embeddedPgDir).toBe(join(a, 'postgres'));
  });

  it('never makes one in production, and never reads one in source', () => {
    const dir = tempDir();
    expect(
      loadConfig({
        NODE_ENV: 'production',
        ...DB,
        JWT_JWKS_URL: 'https://idp.example/jwks.json',
        DATA_DIR: dir,
      }).jwt.secret,
    ).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
    // No string long enough to be a signing key sits near a secret in the source.
    const root = resolve(__dirname, '..', '..');
    const offenders: string[] = [];
    const walk = (path: string) => {
      for (const entry of readdirSync(path, { withFileTypes: true })) {
        const full = join(path, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ts|mjs|js)$/.test(entry.name)) {
          const text = readFileSync(full, 'utf8');
          if (/secret\w*\s*[:=?]{1,2}\s*['"`][^'"`\s]{32,}['"`]/i.test(text)) offenders.push(full);
        }
      }
    };
    for (const dir of ['src', 'seeds', 'explorer', 'migrations']) walk(join(root, dir));
    expect(offenders).toEqual([]);
  });
});

describe('.env.example', () => {
  it('names only variables the API reads', () => {
    const text = readFileSync(resolve(__dirname, '..', '..', '.env.example'), 'utf8');
    const names = [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(5);
    expect(unknownVariables(Object.fromEntries(names.map((n) => [n, 'x'])))).toEqual([]);
    // Nothing to misread as a known name either: every one is exactly known.
    expect(
      loadConfig({ ...SECRET, ...Object.fromEntries(names.map((n) => [n, ''])) }).warnings,
    ).toEqual([]);
  });
});
