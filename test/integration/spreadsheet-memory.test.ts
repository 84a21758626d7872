import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * A spreadsheet export has no row limit and streams: exporting 300,000 activities keeps the
 * server's memory flat. The server runs in this process, so its heap is sampled while the file
 * is downloaded (and thrown away chunk by chunk); the growth is printed and bounded far below
 * the file's own size.
 */

const ROWS = 300_000;

// Minutes of work on a two-core machine, and a measurement rather than a rule every change
// can break: run on demand with DG_MEMORY_TEST=1 (docs/spreadsheets.md), not in every suite.
const measured = process.env.DG_MEMORY_TEST === '1' ? describe : describe.skip;

measured('memory of a 300,000-row export', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { DB_STATEMENT_TIMEOUT_MS: '120000' } });
    token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    const client = await poolOf(server.db.dataSource).connect();
    try {
      await client.query(`SET statement_timeout = 0`);
      await client.query(
        `INSERT INTO activities (tenant_id, project_id, type, title, start_date,
           participants_female, participants_male, recorded_by_organisation_id, external_id,
           created_by, updated_by)
         SELECT $1, $2, 'TRAINING', 'Bulk ' || n || ' — тренинг барои занон', DATE '2023-01-01' + (n % 900),
                n % 40, n % 17, $3, 'MEM-' || n, 'test', 'test'
           FROM generate_series(1, ${ROWS}) AS n`,
        [SEED_IDS.tenants.TJ, SEED_IDS.projects.TJ, SEED_IDS.organisations.internationalAlert],
      );
    } finally {
      client.release();
    }
  }, 600_000);
  afterAll(() => server.close());

  for (const format of ['csv', 'xlsx'] as const) {
    it(`streams ${ROWS.toLocaleString('en')} activities as ${format.toUpperCase()} with a flat heap`, async () => {
      global.gc?.();
      const baseline = process.memoryUsage();
      let peakHeap = baseline.heapUsed;
      let peakRss = baseline.rss;
      const sampler = setInterval(() => {
        const now = process.memoryUsage();
        peakHeap = Math.max(peakHeap, now.heapUsed);
        peakRss = Math.max(peakRss, now.rss);
      }, 100);
      const started = Date.now();
      const response = await fetch(`${server.url}/export/activities.${format}?search=Bulk`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      let bytes = 0;
      let newlines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        if (format === 'csv') for (const b of chunk) if (b === 10) newlines++;
      }
      clearInterval(sampler);
      const mb = (n: number) => Math.round(n / 1024 / 1024);
      const growth = peakHeap - baseline.heapUsed;
      process.stdout.write(
        `\n${format}: ${ROWS} rows, ${mb(bytes)} MiB in ${Math.round((Date.now() - started) / 1000)} s; ` +
          `heap ${mb(baseline.heapUsed)} → peak ${mb(peakHeap)} MiB (+${mb(growth)}), ` +
          `rss ${mb(baseline.rss)} → peak ${mb(peakRss)} MiB\n`,
      );
      if (format === 'csv') expect(newlines).toBe(ROWS + 1);
      // Flat: the heap grows by a bounded working set (batches of 2,000 rows and the garbage
      // not yet collected), where holding the rows would take several hundred MiB.
      expect(growth).toBeLessThan(96 * 1024 * 1024);
    }, 900_000);
  }
});
