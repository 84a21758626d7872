import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { seedSynthetic } from '../../seeds/synthetic';
import { poolOf } from '../../src/db/data-source';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * What the perturbation costs in accuracy, on synthetic data: the analyst's cells against the
 * platform admin's exact ones, by cell size, for the default parameters (D = 2, V = 1,
 * valueDeviation = 2). Asserts the bounds the method promises; with DISCLOSURE_ACCURACY_TABLE=1
 * it prints the table docs/disclosure-control.md quotes.
 */

const T = SEED_IDS.tenants;
const GROUPINGS = [
  ['TENANT'],
  ['TENANT', 'REGION'],
  ['TENANT', 'PROJECT'],
  ['TENANT', 'SETTLEMENT', 'YEAR'],
  ['TENANT', 'REGION', 'SEX'],
  ['TENANT', 'PROJECT', 'YEAR'],
  ['TENANT', 'REGION', 'SETTLEMENT', 'YEAR'],
];
const BINS = [10, 30, 100, 300, 1000, 3000, Number.POSITIVE_INFINITY];

const QUERY = `query ($groupBy: [OutcomeDimension!]!) {
  outcomeSummaries(filter: { tenants: ["TJ", "KG", "UZ"] }, groupBy: $groupBy) {
    indicator { code } tenant { code } region project { id } settlement sex year
    latest relativeChange sampleSize suppressed } }`;
type Cell = {
  indicator: { code: string };
  tenant: { code: string } | null;
  region: string | null;
  project: { id: string } | null;
  settlement: string | null;
  sex: string | null;
  year: number | null;
  latest: number | null;
  relativeChange: number | null;
  sampleSize: number | null;
  suppressed: boolean;
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const max = (values: number[]) => (values.length === 0 ? NaN : Math.max(...values));
const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(2)} %`);
const abs = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(4));

describe('the accuracy cost of the perturbation, on synthetic data', () => {
  let server: TestServer;
  const rows: { n: number; count: number; mean: number; change: number; withheld: boolean }[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    const client = await poolOf(server.db.dataSource).connect();
    try {
      await seedSynthetic(client, 1, undefined, {
        unit: { projects: 30, communities: 900, activities: 30, measurements: 40_000 },
      });
      const all = ['TENANT', 'REGION', 'PROJECT', 'SETTLEMENT', 'SEX', 'YEAR', 'INDICATOR'];
      // Read first and passed as a value: Citus plans no sub-query in a distributed INSERT.
      const globalIndicators = (
        await client.query<{ id: string }>(`SELECT id FROM indicators WHERE tenant_id IS NULL`)
      ).rows.map((row) => row.id);
      await client.query(
        `UPDATE sharing_agreements SET allowed_group_by = $1::text[], indicator_ids = $2::uuid[]`,
        [all, globalIndicators],
      );
      for (const tenant of [T.KG, T.UZ]) {
        await client.query(
          `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
             allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
           VALUES ($1, $2, $4::uuid[], $3::text[], 'PROJECT', 10, now() - interval '1 day', 'test')`,
          [tenant, SEED_IDS.organisations.unWomen, all, globalIndicators],
        );
      }
    } finally {
      client.release();
    }
    const analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
    const admin = await server.tokenFor(DEMO_USERS.platformAdmin.subject);
    const key = (c: Cell) =>
      JSON.stringify([
        c.indicator.code,
        c.tenant?.code,
        c.region,
        c.project?.id,
        c.settlement,
        c.sex,
        c.year,
      ]);
    for (const groupBy of GROUPINGS) {
      const [shown, exact] = await Promise.all(
        [analyst, admin].map(async (token) => {
          const response = await server.graphql<{ outcomeSummaries: Cell[] }>(
            QUERY,
            { groupBy },
            token,
          );
          expect(response.body.errors).toBeUndefined();
          return response.body.data!.outcomeSummaries;
        }),
      );
      const truth = new Map(exact!.map((c) => [key(c), c]));
      for (const cell of shown!) {
        const real = truth.get(key(cell))!;
        if (real.sampleSize! < 10) continue;
        rows.push({
          n: real.sampleSize!,
          withheld: cell.suppressed,
          count: cell.suppressed
            ? NaN
            : Math.abs(cell.sampleSize! - real.sampleSize!) / real.sampleSize!,
          mean:
            cell.suppressed || real.latest === null || real.latest === 0
              ? NaN
              : Math.abs(cell.latest! / real.latest - 1),
          change:
            cell.suppressed || real.relativeChange === null
              ? NaN
              : Math.abs(cell.relativeChange! - real.relativeChange),
        });
      }
    }
  }, 300_000);
  afterAll(() => server.close());

  it('keeps every count within 2 and every mean within 2 respondents’ worth, and costs little past a few hundred respondents', () => {
    expect(rows.length).toBeGreaterThan(200);
    const table = [
      '| respondents | cells | withheld | count: median / max | latest mean: median / max | relative change: median / max (absolute) |',
      '|---|---|---|---|---|---|',
    ];
    for (let i = 0; i < BINS.length - 1; i += 1) {
      const bin = rows.filter((r) => r.n >= BINS[i]! && r.n < BINS[i + 1]!);
      if (bin.length === 0) continue;
      const shown = bin.filter((r) => !r.withheld);
      const of = (f: 'count' | 'mean' | 'change') =>
        shown.map((r) => r[f]).filter((x) => !Number.isNaN(x));
      for (const r of shown) {
        expect(r.count * r.n).toBeLessThanOrEqual(2 + 1e-9);
        if (!Number.isNaN(r.mean)) expect(r.mean).toBeLessThanOrEqual(2 / 10 + 1e-9);
      }
      const upper = BINS[i + 1] === Number.POSITIVE_INFINITY ? '' : `${BINS[i + 1]! - 1}`;
      table.push(
        `| ${BINS[i]}–${upper} | ${bin.length} | ${pct((bin.length - shown.length) / bin.length)} | ${pct(median(of('count')))} / ${pct(max(of('count')))} | ${pct(median(of('mean')))} / ${pct(max(of('mean')))} | ${abs(median(of('change')))} / ${abs(max(of('change')))} |`,
      );
    }
    // Past 300 respondents a mean moves by under 1 %.
    for (const r of rows.filter((x) => x.n >= 300 && !x.withheld && !Number.isNaN(x.mean))) {
      expect(r.mean).toBeLessThan(0.01);
    }
    if (process.env.DISCLOSURE_ACCURACY_TABLE) console.log(table.join('\n'));
  });
});
