import fc from 'fast-check';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Properties over random small datasets in a tenant of their own making (KG, whose seed has
 * no measurements):
 * - the numbers an admin gets match a plain-SQL computation written independently here, for
 *   random filters and groupings: exact, as before disclosure control;
 * - what an analyst gets under an agreement, for random perturbation parameters, never shows a
 *   cell of fewer than k respondents or 3 communities, shows every cell safely above those
 *   limits, keeps each count within D of the truth and each mean within valueDeviation / n of
 *   itself, and gives a cell the same answer whatever the order of the grouping.
 * The attacks on what it does show are test/integration/disclosure-attacks.test.ts.
 */

const KG = SEED_IDS.tenants.KG;
const O = SEED_IDS.organisations;
const INDICATORS = [SEED_IDS.indicators.DV_PREVALENCE, SEED_IDS.indicators.FAMILY_SAVINGS];
const CODES = ['DV_PREVALENCE', 'FAMILY_SAVINGS'];
const AGREEMENT = 'a5a5a5a5-0000-4000-8000-000000000001';
const PROJECTS = ['a5a5a5a5-0000-4000-8000-000000000101', 'a5a5a5a5-0000-4000-8000-000000000102'];
const REGIONS = ['Osh', 'Chuy', 'Naryn'];
/** Ten communities: region i % 3, settlement RURAL for even i, project i % 2. */
const COMMUNITIES = Array.from(
  { length: 10 },
  (_, i) => `a5a5a5a5-0000-4000-8000-0000000002${String(i).padStart(2, '0')}`,
);
const DIMENSIONS = ['TENANT', 'REGION', 'PROJECT', 'SETTLEMENT', 'SEX', 'YEAR'] as const;
type Dimension = (typeof DIMENSIONS)[number] | 'COMMUNITY';

const SUMMARIES = `query ($filter: OutcomeFilter, $groupBy: [OutcomeDimension!]!) {
  outcomeSummaries(filter: $filter, groupBy: $groupBy) {
    indicator { code } tenant { code } region project { id } community { id } settlement sex year
    baseline latest sampleSize communities suppressed } }`;

type Summary = {
  indicator: { code: string };
  tenant: { code: string } | null;
  region: string | null;
  project: { id: string } | null;
  community: { id: string } | null;
  settlement: string | null;
  sex: string | null;
  year: number | null;
  baseline: number | null;
  latest: number | null;
  sampleSize: number | null;
  communities: number | null;
  suppressed: boolean;
};
type Cell = Omit<Summary, 'indicator' | 'tenant' | 'project' | 'community' | 'suppressed'> & {
  code: string;
  tenant: string | null;
  project: string | null;
  community: string | null;
  suppressed: boolean;
  /** The true respondents of each side (the independent computation's only). */
  sides?: { baseline: number; latest: number };
};

const row = fc.record({
  community: fc.nat(COMMUNITIES.length - 1),
  indicator: fc.nat(1),
  period: fc.constantFrom('BASELINE', 'MIDLINE', 'ENDLINE', 'ROUTINE'),
  day: fc.nat(1500),
  value: fc.integer({ min: 0, max: 10_000 }),
  n: fc.integer({ min: 1, max: 25 }),
  sex: fc.constantFrom(null, null, 'FEMALE', 'MALE'),
});
const dataset = fc.array(row, { minLength: 1, maxLength: 50 });
/** Larger samples, so that an analyst's groupings show cells as well as withhold them. */
const largeDataset = fc.array(
  fc.record({
    community: fc.nat(COMMUNITIES.length - 1),
    indicator: fc.nat(1),
    period: fc.constantFrom('BASELINE', 'ENDLINE', 'MIDLINE'),
    day: fc.nat(1500),
    value: fc.integer({ min: 0, max: 10_000 }),
    n: fc.integer({ min: 5, max: 80 }),
    sex: fc.constantFrom(null, null, 'FEMALE', 'MALE'),
  }),
  { minLength: 30, maxLength: 120 },
);
type Row = {
  community: number;
  indicator: number;
  period: string;
  day: number;
  value: number;
  n: number;
  sex: string | null;
};

describe('outcome summaries: properties over random datasets', () => {
  let server: TestServer;
  let admin: string;
  let analyst: string;

  const sql = <T>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<T[]>(text, params);

  beforeAll(async () => {
    server = await startTestServer();
    admin = await server.tokenFor(DEMO_USERS.kgAdmin.subject);
    analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
    for (const [i, id] of PROJECTS.entries()) {
      await sql(
        `INSERT INTO projects (tenant_id, id, code, name, status, start_date)
         VALUES ($1, $2, $3, $3, 'ACTIVE', '2022-01-01')`,
        [KG, id, `PBT-${i}`],
      );
    }
    for (const [i, id] of COMMUNITIES.entries()) {
      await sql(
        `INSERT INTO communities (tenant_id, id, name, region, district, settlement)
         VALUES ($1, $2, $3, $4, 'District', $5)`,
        [KG, id, `Village ${i}`, REGIONS[i % 3], i % 2 === 0 ? 'RURAL' : 'URBAN'],
      );
    }
    await sql(
      `INSERT INTO sharing_agreements (tenant_id, id, recipient_organisation_id, indicator_ids,
         allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
       VALUES ($1, $2, $3, $4::uuid[], $5::text[], 'PROJECT', 10, now() - interval '1 day', 'test')`,
      [KG, AGREEMENT, O.unWomen, INDICATORS, [...DIMENSIONS]],
    );
  });
  afterAll(() => server.close());

  async function load(rows: readonly Row[]): Promise<void> {
    await sql(`DELETE FROM measurements WHERE tenant_id = $1`, [KG]);
    await sql(
      `INSERT INTO measurements (tenant_id, indicator_id, project_id, community_id, period,
         measured_on, value, sample_size, sex, recorded_by_organisation_id)
       SELECT $1, (($2::uuid[])[r.indicator + 1]), (($3::uuid[])[r.community % 2 + 1]),
              (($4::uuid[])[r.community + 1]), r.period, date '2022-01-01' + r.day, r.value / 100.0,
              r.n, r.sex, $5
         FROM jsonb_to_recordset($6::jsonb) AS r (community int, indicator int, period text,
              day int, value int, n int, sex text)`,
      [KG, INDICATORS, PROJECTS, COMMUNITIES, O.internationalAlert, JSON.stringify(rows)],
    );
  }

  const ask = async (token: string, groupBy: readonly Dimension[], filter: object = {}) => {
    const response = await server.graphql<{ outcomeSummaries: Summary[] }>(
      SUMMARIES,
      { filter: { tenants: ['KG'], indicatorCodes: CODES, ...filter }, groupBy },
      token,
    );
    expect(response.body.errors).toBeUndefined();
    return response.body.data!.outcomeSummaries.map((s): Cell => ({
      ...s,
      code: s.indicator.code,
      tenant: s.tenant?.code ?? null,
      project: s.project?.id ?? null,
      community: s.community?.id ?? null,
    }));
  };

  const keyOf = (cell: Cell, dims: readonly Dimension[]) =>
    JSON.stringify([
      cell.code,
      ...dims.map((d) => {
        const value = {
          TENANT: cell.tenant,
          REGION: cell.region,
          PROJECT: cell.project,
          COMMUNITY: cell.community,
          SETTLEMENT: cell.settlement,
          SEX: cell.sex,
          YEAR: cell.year,
        }[d];
        return value ?? null;
      }),
    ]);

  /** The same numbers, computed from the rows here by a formulation of our own. */
  async function independent(
    dims: readonly Dimension[],
    filter: { settlement?: string; from?: string; to?: string; communityIds?: string[] },
  ): Promise<Map<string, Cell>> {
    const has = (d: Dimension) => dims.includes(d);
    const key = (d: Dimension, expression: string) => (has(d) ? expression : 'NULL');
    const rows = await sql<{
      code: string;
      tenant: string | null;
      region: string | null;
      project: string | null;
      community: string | null;
      settlement: string | null;
      sex: string | null;
      year: number | null;
      baseline: string | null;
      latest: string | null;
      bn: string | null;
      ln: string | null;
      bc: number;
      lc: number;
    }>(
      `WITH m AS (
         SELECT m.*, c.region, c.settlement AS place,
                CASE WHEN $2 THEN date_part('year', m.measured_on)::int END AS yr
           FROM measurements m
           LEFT JOIN communities c ON c.tenant_id = m.tenant_id AND c.id = m.community_id
          WHERE m.tenant_id = $1 AND m.deleted_at IS NULL AND m.age_band IS NULL
            AND m.sample_size > 0 AND (m.sex IS NOT NULL) = $3
            AND ($4::text IS NULL OR c.settlement = $4)
            AND ($5::date IS NULL OR m.measured_on >= $5)
            AND ($6::date IS NULL OR m.measured_on <= $6)
            AND ($7::uuid[] IS NULL OR m.community_id = ANY ($7))
       ), follow_up AS (
         SELECT project_id, community_id, indicator_id, sex, yr,
                max(measured_on) FILTER (WHERE period = 'ENDLINE') AS endline_on,
                max(measured_on) AS last_on
           FROM m WHERE period <> 'BASELINE'
          GROUP BY project_id, community_id, indicator_id, sex, yr
       ), tagged AS (
         SELECT m.*, m.period = 'BASELINE' AS is_base,
                EXISTS (SELECT 1 FROM follow_up f
                         WHERE f.project_id = m.project_id
                           AND f.community_id IS NOT DISTINCT FROM m.community_id
                           AND f.indicator_id = m.indicator_id
                           AND f.sex IS NOT DISTINCT FROM m.sex
                           AND f.yr IS NOT DISTINCT FROM m.yr
                           AND m.period <> 'BASELINE'
                           AND CASE WHEN f.endline_on IS NOT NULL
                                    THEN m.period = 'ENDLINE' AND m.measured_on = f.endline_on
                                    ELSE m.measured_on = f.last_on END) AS is_latest
           FROM m
       )
       SELECT i.code, ${key('TENANT', 't.code')} AS tenant, ${key('REGION', 'x.region')} AS region,
              ${key('PROJECT', 'x.project_id')} AS project,
              ${key('COMMUNITY', 'x.community_id')} AS community,
              ${key('SETTLEMENT', 'x.place')} AS settlement, ${key('SEX', 'x.sex')} AS sex,
              x.yr AS year,
              sum(x.value * x.sample_size) FILTER (WHERE x.is_base)
                / sum(x.sample_size) FILTER (WHERE x.is_base) AS baseline,
              sum(x.value * x.sample_size) FILTER (WHERE x.is_latest)
                / sum(x.sample_size) FILTER (WHERE x.is_latest) AS latest,
              sum(x.sample_size) FILTER (WHERE x.is_base) AS bn,
              sum(x.sample_size) FILTER (WHERE x.is_latest) AS ln,
              count(DISTINCT x.community_id) FILTER (WHERE x.is_base)::int AS bc,
              count(DISTINCT x.community_id) FILTER (WHERE x.is_latest)::int AS lc
         FROM tagged x JOIN indicators i ON i.id = x.indicator_id JOIN tenants t ON t.id = x.tenant_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`,
      [
        KG,
        has('YEAR'),
        has('SEX'),
        filter.settlement ?? null,
        filter.from ?? null,
        filter.to ?? null,
        filter.communityIds ?? null,
      ],
    );
    const cells = new Map<string, Cell>();
    for (const r of rows) {
      const sides = [
        r.baseline === null ? null : [Number(r.bn), r.bc],
        r.latest === null ? null : [Number(r.ln), r.lc],
      ].filter((side): side is number[] => side !== null);
      const cell: Cell = {
        code: r.code,
        tenant: r.tenant,
        region: r.region,
        project: r.project,
        community: r.community,
        settlement: r.settlement,
        sex: r.sex,
        year: r.year,
        baseline: r.baseline === null ? null : Number(r.baseline),
        latest: r.latest === null ? null : Number(r.latest),
        sampleSize: Math.min(...sides.map((s) => s[0]!)),
        communities: Math.min(...sides.map((s) => s[1]!)),
        suppressed: false,
        sides: { baseline: Number(r.bn), latest: Number(r.ln) },
      };
      cells.set(keyOf(cell, dims), cell);
    }
    return cells;
  }

  const expectSameNumbers = (actual: Cell, expected: Cell | undefined) => {
    expect(expected).toBeDefined();
    expect(actual.sampleSize).toBe(expected!.sampleSize);
    expect(actual.communities).toBe(expected!.communities);
    for (const field of ['baseline', 'latest'] as const) {
      if (expected![field] === null) expect(actual[field]).toBeNull();
      else expect(actual[field]).toBeCloseTo(expected![field], 8);
    }
  };

  it('an admin’s summaries equal a plain-SQL computation, for random filters and groupings', async () => {
    await fc.assert(
      fc.asyncProperty(
        dataset,
        fc.subarray([...DIMENSIONS, 'COMMUNITY'] as Dimension[], { maxLength: 3 }),
        fc.record(
          {
            settlement: fc.constantFrom('RURAL', 'URBAN'),
            from: fc
              .nat(1500)
              .map((d) => new Date(Date.UTC(2022, 0, 1 + d)).toISOString().slice(0, 10)),
            to: fc
              .nat(1500)
              .map((d) => new Date(Date.UTC(2022, 0, 1 + d)).toISOString().slice(0, 10)),
            communityIds: fc.subarray(COMMUNITIES, { minLength: 1 }),
          },
          { requiredKeys: [] },
        ),
        async (rows, dims, filter) => {
          await load(rows);
          const actual = await ask(admin, dims, filter);
          const expected = await independent(dims, filter);
          expect(actual).toHaveLength(expected.size);
          for (const cell of actual) {
            expect(cell.suppressed).toBe(false);
            expectSameNumbers(cell, expected.get(keyOf(cell, dims)));
          }
        },
      ),
      { numRuns: 40, seed: Number(process.env.PBT_SEED ?? 20261127) },
    );
  });

  it('an analyst never sees a small cell, sees every large one within the perturbation’s bounds, the same in every grouping order', async () => {
    const parameters = fc.integer({ min: 1, max: 4 }).chain((d) =>
      fc.record({
        d: fc.constant(d),
        v: fc.double({ min: 0.1, max: ((d + 1) * (2 * d + 1)) / 6, noNaN: true }),
        dv: fc.double({ min: 0.5, max: 5, noNaN: true }),
      }),
    );
    let shown = 0;
    await fc.assert(
      fc.asyncProperty(
        largeDataset,
        fc.integer({ min: 10, max: 40 }),
        parameters,
        fc.subarray([...DIMENSIONS], { minLength: 1, maxLength: 2 }),
        async (rows, k, { d, v, dv }, dims) => {
          await load(rows);
          await sql(
            `UPDATE sharing_agreements SET min_cell_size = $2, max_deviation = $3,
               deviation_variance = $4, value_deviation = $5 WHERE id = $1`,
            [AGREEMENT, k, d, v, dv],
          );
          const cells = await ask(analyst, dims);
          const truth = await independent(dims, {});
          expect(cells).toHaveLength(truth.size);
          for (const cell of cells) {
            const exact = truth.get(keyOf(cell, dims))!;
            expect(exact).toBeDefined();
            if (cell.suppressed) {
              expect([cell.baseline, cell.latest, cell.sampleSize, cell.communities]).toEqual([
                null,
                null,
                null,
                null,
              ]);
              // Withheld only when small, or when noise could have made it look small.
              expect(exact.sampleSize! < k + d || exact.communities! < 3).toBe(true);
              continue;
            }
            shown += 1;
            expect(exact.sampleSize).toBeGreaterThanOrEqual(k);
            expect(exact.communities).toBeGreaterThanOrEqual(3);
            expect(cell.sampleSize).toBeGreaterThanOrEqual(k);
            expect(cell.communities).toBeGreaterThanOrEqual(3);
            expect(Math.abs(cell.sampleSize! - exact.sampleSize!)).toBeLessThanOrEqual(d);
            for (const field of ['baseline', 'latest'] as const) {
              const mean = exact[field];
              if (mean === null) {
                expect(cell[field]).toBeNull();
                continue;
              }
              // The side's own respondents bound its mean's deviation.
              const n = exact.sides![field];
              expect(Math.abs(cell[field]! - mean)).toBeLessThanOrEqual(
                (Math.abs(mean) * dv) / n + 1e-9,
              );
            }
          }
          // The same cells, asked for in the reverse order of dimensions: the same answers.
          const reversed = await ask(analyst, [...dims].reverse());
          expect(reversed).toEqual(cells);
        },
      ),
      { numRuns: 40, seed: Number(process.env.PBT_SEED ?? 5) },
    );
    // Not vacuous: the datasets were large enough for cells to be shown.
    expect(shown).toBeGreaterThan(20);
  });
});
