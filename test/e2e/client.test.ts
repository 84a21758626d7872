import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { sync } from '../../examples/client/src/sync';
import { DEMO_USERS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

const CLIENT = resolve(__dirname, '../../examples/client');

/** The .ts files under a folder, relative to the client's root. */
function listTs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => relative(CLIENT, join(dir, name)));
}

/**
 * The example client of examples/client, as a partner's integration would start: typed
 * documents generated from the schema, run against a live server over HTTP.
 */
describe('the example client (examples/client)', () => {
  let server: TestServer;
  let tjActivities: number;
  beforeAll(async () => {
    server = await startTestServer();
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const res = await server.graphql<{ activities: { totalCount: number } }>(
      '{ activities(filter: { tenantCodes: ["TJ"] }) { totalCount } }',
      {},
      token,
    );
    tjActivities = res.body.data!.activities.totalCount;
  });
  afterAll(() => server.close());

  async function countTj(token: string): Promise<number> {
    const res = await server.graphql<{ activities: { totalCount: number } }>(
      '{ activities(filter: { tenantCodes: ["TJ"] }) { totalCount } }',
      {},
      token,
    );
    return res.body.data!.activities.totalCount;
  }

  async function externalIds(token: string): Promise<string[]> {
    const res = await server.graphql<{ activities: { nodes: { externalId: string | null }[] } }>(
      '{ activities(first: 100, filter: { tenantCodes: ["TJ"], search: "example sync" }) { nodes { externalId } } }',
      {},
      token,
    );
    return res.body.data!.activities.nodes.map((a) => a.externalId ?? '').sort();
  }

  it('signs in with a dev token, pages through a tenant’s activities, imports two', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const lines: string[] = [];
    const report = await sync({
      url: server.url,
      token,
      tenantCode: 'TJ',
      pageSize: 3,
      log: (line) => lines.push(line),
    });
    expect(report.subject).toBe(DEMO_USERS.tjAdmin.subject);
    expect(report.tenants).toEqual(['TJ']);
    expect(tjActivities).toBeGreaterThan(3);
    expect(report.totalCount).toBe(tjActivities);
    expect(report.activities).toHaveLength(tjActivities);
    expect(report.pages).toBe(Math.ceil(tjActivities / 3));
    expect(new Set(report.activities.map((a) => a.id)).size).toBe(tjActivities);
    expect(report.activities.every((a) => a.project.code.endsWith('-TJ'))).toBe(true);
    expect(lines[0]).toContain('Signed in as demo|tj-admin');

    // A dry run writes nothing; the import then creates both, once.
    expect(report.imported?.dryRun).toMatchObject({ dryRun: true, applied: false, invalid: 0 });
    expect(report.imported?.result).toMatchObject({
      dryRun: false,
      applied: true,
      replayed: false,
      created: 2,
      invalid: 0,
    });
    expect(await externalIds(token)).toEqual(['example-sync-1', 'example-sync-2']);
    expect(await countTj(token)).toBe(tjActivities + 2);
  });

  it('writes nothing when run again: the same idempotency key replays the stored result', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const report = await sync({ url: server.url, token, tenantCode: 'TJ' });
    expect(report.totalCount).toBe(tjActivities + 2);
    expect(report.imported?.result).toMatchObject({ replayed: true, created: 2 });
    expect(await countTj(token)).toBe(tjActivities + 2);
  });

  it('sees only what the token may: a KG admin reading TJ gets no TJ activity', async () => {
    const token = await server.tokenFor(DEMO_USERS.kgAdmin.subject);
    const report = await sync({ url: server.url, token, tenantCode: 'TJ' });
    expect(report.tenants).toEqual(['KG']);
    expect(report.totalCount).toBe(0);
    expect(report.activities).toEqual([]);
    expect(report.imported).toBeNull();
  });

  it('runs as a script with DG_TOKEN and DG_URL (npm run client:sync)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dg-client-'));
    try {
      const script = join(dir, 'sync.js');
      await build({
        entryPoints: [join(CLIENT, 'src/sync.ts')],
        bundle: true,
        platform: 'node',
        target: 'node24',
        outfile: script,
        logLevel: 'silent',
      });
      const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
      const { stdout } = await promisify(execFile)(process.execPath, [script], {
        env: { PATH: process.env.PATH, DG_TOKEN: token, DG_URL: server.url, DG_PAGE_SIZE: '4' },
        timeout: 30_000,
      });
      const total = tjActivities + 2;
      expect(stdout).toContain('Signed in as demo|tj-admin');
      expect(stdout).toContain(`(${total}/${total})`);
      expect(stdout).toMatch(/LWD-TJ/);
      expect(stdout).toContain('Import: 2 created, 0 updated, 0 unchanged, 0 invalid (replayed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is a package of its own: it imports only what its package.json names, nothing outside it', () => {
    const manifest = JSON.parse(readFileSync(join(CLIENT, 'package.json'), 'utf8')) as {
      license: string;
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(manifest.license).toBe('Apache-2.0');
    const declared = new Set([
      ...Object.keys(manifest.dependencies),
      ...Object.keys(manifest.devDependencies),
    ]);
    const sources = [
      'codegen.ts',
      ...listTs(join(CLIENT, 'src')),
      ...listTs(join(CLIENT, 'generated')),
    ];
    expect(sources.length).toBeGreaterThan(4);
    for (const file of sources) {
      const text = readFileSync(join(CLIENT, file), 'utf8');
      for (const [, specifier] of text.matchAll(/\bfrom\s+'([^']+)'/g)) {
        if (specifier!.startsWith('.')) {
          // Relative imports stay inside the package.
          const target = resolve(dirname(join(CLIENT, file)), specifier!);
          const inside = !relative(CLIENT, target).startsWith('..');
          expect({ file, specifier, inside }).toEqual({ file, specifier, inside: true });
        } else if (!specifier!.startsWith('node:')) {
          const name = specifier!.startsWith('@')
            ? specifier!.split('/').slice(0, 2).join('/')
            : specifier!.split('/')[0]!;
          expect({ file, name, declared: declared.has(name) }).toEqual({
            file,
            name,
            declared: true,
          });
        }
      }
    }
    // Its own TypeScript configuration, not one that extends the repository's.
    expect(readFileSync(join(CLIENT, 'tsconfig.json'), 'utf8')).not.toContain('extends');
  });

  it('fails clearly with a bad token', async () => {
    await expect(
      sync({ url: server.url, token: 'not-a-token', tenantCode: 'TJ' }),
    ).rejects.toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
  });
});
