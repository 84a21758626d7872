import { DEMO_USERS } from '../../seeds/programme';
import { parseCsv } from '../../src/common/csv';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Issue 20: outcome summaries as SDMX-CSV 2.0 for UN agencies. The analyst's TJ summary,
 * downloaded as SDMX-CSV, parses back to outcomeSummaries' own cells (perturbed the same way,
 * audited the same way); the route refuses what the field refuses, with the same codes.
 */

const SUMMARIES = `query ($filter: OutcomeFilter, $groupBy: [OutcomeDimension!]!) {
  outcomeSummaries(filter: $filter, groupBy: $groupBy) {
    indicator { code unit } tenant { code } region year sex
    baseline latest absoluteChange relativeChange foldChange
    sampleSize communities suppressed disclosure { perturbed } } }`;

type Summary = {
  indicator: { code: string; unit: string };
  tenant: { code: string } | null;
  region: string | null;
  year: number | null;
  sex: string | null;
  baseline: number | null;
  latest: number | null;
  absoluteChange: number | null;
  relativeChange: number | null;
  foldChange: number | null;
  sampleSize: number | null;
  communities: number | null;
  suppressed: boolean;
  disclosure: { perturbed: boolean } | null;
};

describe('SDMX-CSV 2.0 of outcome summaries', () => {
  let server: TestServer;
  let analyst: string;
  let tjAdmin: string;
  let kgAdmin: string;

  beforeAll(async () => {
    server = await startTestServer();
    analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
    tjAdmin = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    kgAdmin = await server.tokenFor(DEMO_USERS.kgAdmin.subject);
  });
  afterAll(() => server.close());

  const csv = (query: string, token: string | null) =>
    fetch(`${server.url}/export/outcomes.csv?${query}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const auditCount = async () =>
    (
      await server.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'AGGREGATE_READ'`,
      )
    )[0]!.n;

  /** The CSV's records as objects keyed by column id. */
  function records(text: string): Record<string, string>[] {
    const [header, ...rows] = parseCsv(text);
    return rows.map((row) =>
      Object.fromEntries(header!.map((h, i) => [h.split(':')[0]!, row[i]!])),
    );
  }

  /** Every summary's five statistics, as the CSV must carry them. */
  function expected(summaries: Summary[]): Record<string, string>[] {
    const num = (v: number | null) => (v === null ? '' : String(v));
    return summaries.flatMap((s) =>
      (
        [
          ['BASELINE', s.baseline],
          ['LATEST', s.latest],
          ['ABS_CHANGE', s.absoluteChange],
          ['REL_CHANGE', s.relativeChange],
          ['FOLD_CHANGE', s.foldChange],
        ] as const
      ).map(([statistic, value]) => ({
        REF_AREA: s.tenant?.code ?? '_T',
        REGION: s.region ?? '_T',
        SEX: s.sex === 'FEMALE' ? 'F' : s.sex === 'MALE' ? 'M' : s.sex ? '_O' : '_T',
        TIME_PERIOD: s.year === null ? '' : String(s.year),
        INDICATOR: s.indicator.code,
        STATISTIC: statistic,
        OBS_VALUE: s.suppressed ? '' : num(value),
        OBS_STATUS: s.suppressed ? 'M' : s.disclosure ? 'E' : 'A',
        CONF_STATUS: s.suppressed ? 'C' : 'F',
        SAMPLE_SIZE: num(s.sampleSize),
        COMMUNITIES: num(s.communities),
      })),
    );
  }

  const pick = (rows: Record<string, string>[]) =>
    rows.map((r) => ({
      REF_AREA: r.REF_AREA,
      REGION: r.REGION,
      SEX: r.SEX,
      TIME_PERIOD: r.TIME_PERIOD,
      INDICATOR: r.INDICATOR,
      STATISTIC: r.STATISTIC,
      OBS_VALUE: r.OBS_VALUE,
      OBS_STATUS: r.OBS_STATUS,
      CONF_STATUS: r.CONF_STATUS,
      SAMPLE_SIZE: r.SAMPLE_SIZE,
      COMMUNITIES: r.COMMUNITIES,
    }));

  it('the analyst’s TJ summary parses back to the same cells as outcomeSummaries, and each download is audited', async () => {
    const field = await server.graphql<{ outcomeSummaries: Summary[] }>(
      SUMMARIES,
      { filter: { tenants: ['TJ'] }, groupBy: ['TENANT', 'YEAR'] },
      analyst,
    );
    expect(field.body.errors).toBeUndefined();
    const summaries = field.body.data!.outcomeSummaries;
    expect(summaries.length).toBeGreaterThan(0);

    const before = await auditCount();
    const response = await csv('tenants=TJ&groupBy=TENANT,YEAR', analyst);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(
      /^application\/vnd\.sdmx\.data\+csv; version=2\.0\.0/,
    );
    const text = await response.text();
    expect(await auditCount()).toBe(before + 1);

    const [header] = parseCsv(text);
    expect(header!.slice(0, 4)).toEqual(['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'REF_AREA']);
    const rows = records(text);
    expect(rows.every((r) => r.STRUCTURE === 'datastructure' && r.ACTION === 'I')).toBe(true);
    expect(rows.every((r) => r.STRUCTURE_ID === 'DIGNITY_GRAPH:DSD_DV_OUTCOMES(1.0)')).toBe(true);
    expect(pick(rows)).toEqual(expected(summaries));
    // Governed: every shown value is perturbed, never exact.
    expect(rows.every((r) => r.OBS_STATUS === 'E' || r.OBS_STATUS === 'M')).toBe(true);
    expect(rows.some((r) => r.OBS_STATUS === 'E')).toBe(true);
  });

  it('suppressed cells carry no value and say so; labels=both names every code', async () => {
    const field = await server.graphql<{ outcomeSummaries: Summary[] }>(
      SUMMARIES,
      { filter: { tenants: ['TJ'] }, groupBy: ['REGION'] },
      analyst,
    );
    const summaries = field.body.data!.outcomeSummaries;
    expect(summaries.some((s) => s.suppressed)).toBe(true);
    const text = await (await csv('tenants=TJ&groupBy=REGION&labels=both', analyst)).text();
    const [header] = parseCsv(text);
    expect(header).toContain('REF_AREA: Reference area');
    expect(header).toContain('OBS_STATUS: Observation status');
    const rows = records(text);
    const ids = rows.map((r) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.split(': ')[0]!])),
    );
    expect(pick(ids)).toEqual(expected(summaries));
    expect(
      rows.some(
        (r) =>
          r.OBS_STATUS === 'M: Missing value (withheld to protect respondents)' &&
          r.OBS_VALUE === '',
      ),
    ).toBe(true);
    expect(rows.every((r) => r.INDICATOR!.includes(': '))).toBe(true);
  });

  it('a reader of rows gets exact cells (status A), for its own tenant only', async () => {
    const rows = records(await (await csv('groupBy=TENANT', tjAdmin)).text());
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.REF_AREA))).toEqual(new Set(['TJ']));
    expect(rows.every((r) => r.OBS_STATUS === 'A')).toBe(true);
    const kg = await csv('tenants=TJ', kgAdmin);
    expect(kg.status).toBe(403);
  });

  it('refuses what outcomeSummaries refuses, with the same codes', async () => {
    expect((await csv('groupBy=TENANT', null)).status).toBe(401);
    const byCommunity = await csv('tenants=TJ&groupBy=COMMUNITY', analyst);
    expect(byCommunity.status).toBe(403);
    const body = (await byCommunity.json()) as {
      errors: { message: string; extensions: { code: string } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('FORBIDDEN');
    expect(body.errors[0]!.message).toMatch(/COMMUNITY/);
    const bad = await csv('groupBy=NOPE', analyst);
    expect(bad.status).toBe(400);
    expect(
      ((await bad.json()) as { errors: { extensions: { field: string } }[] }).errors[0]!.extensions
        .field,
    ).toBe('groupBy');
    expect((await csv('from=yesterday', tjAdmin)).status).toBe(400);
    expect((await csv('labels=all', tjAdmin)).status).toBe(400);
  });

  it('answers a missing agreement 404 with the JSON error body, not 500', async () => {
    const missing = await csv(
      'tenants=TJ&preview=true&agreementId=00000000-0000-4000-8000-000000000000',
      tjAdmin,
    );
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await missing.json()) as {
      errors: { message: string; extensions: { code: string; requestId?: string } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('NOT_FOUND');
    expect(body.errors[0]!.message).toBe('Sharing agreement not found');
    expect(body.errors[0]!.extensions.requestId).toBeUndefined();
  });
});
