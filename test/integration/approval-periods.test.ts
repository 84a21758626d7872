import { SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';
import { errorOf, tjMeasurement, tokens } from '../helpers/writes';

/*
 * Reading reporting periods as a connection (paged, filtered, scoped like every list), and the
 * input windows counted in the tenant's own time zone (tenants.timezone), in the database
 * guard and in the imports' check alike.
 */

const T = SEED_IDS.tenants;
const P = SEED_IDS.projects;

const PERIODS = `query ($first: Int, $after: String, $filter: ReportingPeriodFilter, $orderBy: ReportingPeriodOrder) {
  reportingPeriods(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id start end state project { id } } }
  }
}`;

type PeriodsPage = {
  reportingPeriods: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    edges: {
      cursor: string;
      node: { id: string; start: string; end: string; state: string; project: { id: string } };
    }[];
  };
};

describe('reporting periods', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;

  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
  });
  afterAll(() => server.close());

  const sql = <R>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<R[]>(text, params);

  const page = (auth: string, variables: Record<string, unknown>) =>
    server.graphql<PeriodsPage>(PERIODS, variables, auth);

  describe('as a connection', () => {
    it('pages through every period a TJ admin reads, in order, without gaps or repeats', async () => {
      const [{ n }] = (await sql<{ n: string }>(
        `SELECT count(*) AS n FROM reporting_periods WHERE tenant_id = $1`,
        [T.TJ],
      )) as [{ n: string }];
      expect(Number(n)).toBeGreaterThan(3);
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const res: Awaited<ReturnType<typeof page>> = await page(t.tjAdmin, {
          first: 3,
          after,
          filter: { tenantCodes: ['TJ'] },
        });
        expect(res.body.errors).toBeUndefined();
        const connection = res.body.data!.reportingPeriods;
        expect(connection.totalCount).toBe(Number(n));
        expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...connection.edges.map((e) => `${e.node.start}:${e.node.id}`));
        after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
        pages += 1;
      } while (after && pages < 50);
      expect(seen).toHaveLength(Number(n));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual(seen);
      // Latest first when asked.
      const latest = await page(t.tjAdmin, {
        first: 100,
        filter: { tenantCodes: ['TJ'] },
        orderBy: { field: 'START', direction: 'DESC' },
      });
      expect(
        latest.body.data!.reportingPeriods.edges.map((e) => `${e.node.start}:${e.node.id}`),
      ).toEqual([...seen].reverse());
    });

    it('filters by project, state and dates', async () => {
      const res = await page(t.tjAdmin, {
        first: 100,
        filter: { projectIds: [P.TJ], states: ['APPROVED'], from: '2023-01-01', to: '2023-12-31' },
      });
      expect(res.body.errors).toBeUndefined();
      const nodes = res.body.data!.reportingPeriods.edges.map((e) => e.node);
      expect(nodes.length).toBeGreaterThan(0);
      for (const node of nodes) {
        expect(node.project.id).toBe(P.TJ);
        expect(node.state).toBe('APPROVED');
        expect(node.end >= '2023-01-01' && node.start <= '2023-12-31').toBe(true);
      }
    });

    it('is scoped like every list: no other tenant’s periods, a partner’s own projects only, nothing for an analyst', async () => {
      const kg = await page(t.kgAdmin, { first: 100, filter: { tenantCodes: ['TJ'] } });
      expect(kg.body.data!.reportingPeriods.totalCount).toBe(0);
      const kgAll = await page(t.kgAdmin, { first: 100 });
      const kgProjects = new Set(
        kgAll.body.data!.reportingPeriods.edges.map((e) => e.node.project.id),
      );
      expect([...kgProjects].every((id) => id !== P.TJ && id !== P.tjPilot)).toBe(true);
      const pilot = await page(t.tjPilotEditor, { first: 100 });
      const pilotProjects = new Set(
        pilot.body.data!.reportingPeriods.edges.map((e) => e.node.project.id),
      );
      expect(pilotProjects.has(P.TJ)).toBe(false);
      const analyst = await server.graphql(
        PERIODS,
        { first: 10 },
        await server.tokenFor('demo|un-analyst'),
      );
      expect(errorOf(analyst)?.code).toBe('FORBIDDEN');
    });

    it('refuses a page too large and a cursor of its own making', async () => {
      expect(errorOf(await page(t.tjAdmin, { first: 101 }))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'first',
      });
      const forged = Buffer.from(JSON.stringify(['not a date', P.TJ])).toString('base64url');
      expect(errorOf(await page(t.tjAdmin, { first: 1, after: forged }))).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'after',
      });
    });
  });

  describe('input windows in the tenant’s time zone', () => {
    // A past quarter of the TJ project that holds no rows (none of its periods is stored). Its
    // window is set to close on the day before today in Kiritimati (UTC+14): closed there,
    // still open in Pago Pago (UTC−11), whose date is always at least a day behind.
    let quarter: { start: string; end: string; day: string };
    beforeAll(async () => {
      // The stored periods first, then the quarters beside them: Citus cannot plan a
      // correlated sub-query on a distributed table beside generate_series.
      const stored = await sql<{ start: string }>(
        `SELECT period_start::text AS start FROM reporting_periods
          WHERE tenant_id = $1 AND project_id = $2`,
        [T.TJ, P.TJ],
      );
      const [free] = await sql<{ start: string; end: string; day: string }>(
        `SELECT to_char(q, 'YYYY-MM-DD') AS start,
                to_char(q + interval '3 months' - interval '1 day', 'YYYY-MM-DD') AS "end",
                to_char(q + interval '14 days', 'YYYY-MM-DD') AS day
           FROM generate_series(timestamp '2022-04-01', timestamp '2026-01-01', interval '3 months') q
          WHERE q::date <> ALL ($1::date[])
          ORDER BY q LIMIT 1`,
        [stored.map((period) => period.start)],
      );
      expect(free).toBeDefined();
      quarter = free!;
    });
    const closeOn = async (daysFromKiritimatiToday: number) => {
      const [{ n }] = (await sql<{ n: number }>(
        `SELECT ((now() AT TIME ZONE 'Pacific/Kiritimati')::date + $1::int - $2::date) AS n`,
        [daysFromKiritimatiToday, quarter.end],
      )) as [{ n: number }];
      await sql(
        `INSERT INTO approval_settings (tenant_id, input_window_days, updated_by) VALUES ($1, $2, 'test')
         ON CONFLICT (tenant_id) DO UPDATE SET input_window_days = EXCLUDED.input_window_days`,
        [T.TJ, n],
      );
    };
    const inZone = (zone: string) =>
      sql(`UPDATE tenants SET timezone = $2 WHERE id = $1`, [T.TJ, zone]);
    const create = (externalId: string) =>
      server.graphql<{ createMeasurement: { id: string } }>(
        `mutation ($input: CreateMeasurementInput!) { createMeasurement(input: $input) { id } }`,
        { input: tjMeasurement({ measuredOn: quarter.day, externalId }) },
        t.tjAdmin,
      );
    const importOne = (externalId: string) =>
      server.graphql<{
        importMeasurements: { invalid: number; items: { field: string; message: string }[] };
      }>(
        `mutation ($input: ImportMeasurementsInput!) { importMeasurements(input: $input) {
           invalid items { field message } } }`,
        {
          input: {
            tenantCode: 'TJ',
            idempotencyKey: `zone-${externalId}`,
            items: [{ ...tjMeasurement({ measuredOn: quarter.day }), externalId }],
          },
        },
        t.tjAdmin,
      );

    afterAll(async () => {
      await sql(`DELETE FROM approval_settings WHERE tenant_id = $1`, [T.TJ]);
      await inZone('Asia/Dushanbe');
    });

    it('a period already closed in Kiritimati is still open in Pago Pago', async () => {
      await closeOn(-1);
      await inZone('Pacific/Kiritimati');
      const refused = await create('zone-1');
      expect(errorOf(refused)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });
      expect(refused.body.errors![0]!.message).toMatch(
        /closed for input on \d{4}-\d{2}-\d{2} \(\d+ days after its end, Pacific\/Kiritimati time\)/,
      );
      const imported = await importOne('zone-2');
      expect(imported.body.data!.importMeasurements.invalid).toBe(1);
      expect(imported.body.data!.importMeasurements.items[0]).toMatchObject({
        field: 'period',
        message: expect.stringMatching(/Pacific\/Kiritimati time/) as unknown,
      });

      await inZone('Pacific/Pago_Pago');
      const written = await create('zone-3');
      expect(written.body.errors).toBeUndefined();
      expect((await importOne('zone-4')).body.data!.importMeasurements.invalid).toBe(0);
    });

    it('a time zone PostgreSQL does not know counts as UTC, never as a server error', async () => {
      // Open in every zone on earth: two days past Kiritimati's today.
      await closeOn(2);
      await inZone('Mars/Olympus_Mons');
      const written = await create('zone-5');
      expect(written.body.errors).toBeUndefined();
    });
  });
});
