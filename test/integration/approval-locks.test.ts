import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { startTestServer, type TestServer } from '../helpers/server';
import { errorOf, tjMeasurement, tokens } from '../helpers/writes';

/*
 * The period locks in SQL, with shield and the scoped SQL switched off (layers 1 and 2): the
 * guard on activities and measurements refuses every change in an approved period or outside
 * the input window, for dg_app under any principal (not the owner connected as itself); a row's
 * approval_state cannot be forged; record_history gives nothing to who may not read the
 * record. Then the race the issue names: approving a period while a partner's import writes
 * into it, with real concurrent requests — the import lands first (and is approved with it) or
 * is refused; never a row written into an approved period after its approval.
 */

const T = SEED_IDS.tenants;
const P = SEED_IDS.projects;

describe('period locks in the database, and approval racing imports', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;

  beforeAll(async () => {
    server = await startTestServer({ unsafeTestLayers: { shield: false, scopedSql: false } });
    t = await tokens(server);
  });
  afterAll(() => server.close());

  const sql = <R>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<R[]>(text, params);

  /** Runs `work` as dg_app under a seeded user's settings, in a transaction rolled back. */
  async function asUser<R>(
    subject: string | null,
    work: (c: PoolClient) => Promise<R>,
  ): Promise<R> {
    const client = await poolOf(server.db.dataSource).connect();
    try {
      await client.query('BEGIN');
      if (subject) await client.query('SELECT * FROM request_user_principal($1)', [subject]);
      if (subject) await client.query(`SET LOCAL ROLE ${APPLICATION_ROLE}`);
      return await work(client);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const insertMeasurement = (on: string) =>
    `INSERT INTO measurements (tenant_id, indicator_id, project_id, community_id, period,
       measured_on, value, sample_size, recorded_by_organisation_id)
     VALUES ('${T.TJ}', '${SEED_IDS.indicators.DV_PREVALENCE}', '${P.TJ}',
             '${SEED_IDS.communities.tjNavobod}', 'ROUTINE', '${on}', 10, 20,
             '${SEED_IDS.organisations.internationalAlert}')`;

  it('the seed’s periods are approved: every change of their rows is refused in SQL, for anyone', async () => {
    const [seeded] = await sql<{ id: string; measured_on: string }>(
      `SELECT id, to_char(measured_on, 'YYYY-MM-DD') AS measured_on FROM measurements
        WHERE project_id = $1 AND approval_state = 'APPROVED' LIMIT 1`,
      [P.TJ],
    );
    expect(seeded).toBeDefined();
    for (const subject of [DEMO_USERS.tjAdmin.subject, DEMO_USERS.tjEditor.subject]) {
      const attempts = [
        insertMeasurement(seeded!.measured_on),
        `UPDATE measurements SET value = value + 1 WHERE id = '${seeded!.id}'`,
        `UPDATE measurements SET deleted_at = now() WHERE id = '${seeded!.id}'`,
        `UPDATE measurements SET measured_on = '2026-02-01' WHERE id = '${seeded!.id}'`,
      ];
      for (const statement of attempts) {
        await expect(asUser(subject, (c) => c.query(statement))).rejects.toMatchObject({
          code: 'DGL01',
          message: expect.stringMatching(/is approved: it is read-only/) as unknown,
        });
      }
    }
  });

  it('the owner connected as itself (migrations, seeds, fixtures) is not held, and its rows count as approved', async () => {
    const [seeded] = await sql<{ measured_on: string }>(
      `SELECT to_char(measured_on, 'YYYY-MM-DD') AS measured_on FROM measurements
        WHERE project_id = $1 AND approval_state = 'APPROVED' LIMIT 1`,
      [P.TJ],
    );
    const state = await asUser(null, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `${insertMeasurement(seeded!.measured_on)} RETURNING id`,
      );
      return (
        await c.query<{ approval_state: string }>(
          `SELECT approval_state FROM measurements WHERE id = $1`,
          [rows[0]!.id],
        )
      ).rows[0]!.approval_state;
    });
    expect(state).toBe('APPROVED');
  });

  it('a row’s approval_state follows its period and cannot be forged', async () => {
    await asUser(DEMO_USERS.tjEditor.subject, async (c) => {
      const { rows } = await c.query<{ id: string; approval_state: string }>(
        `${insertMeasurement('2026-02-10')} RETURNING id, approval_state`,
      );
      expect(rows[0]!.approval_state).toBe('DRAFT');
      await c.query('SAVEPOINT forged');
      await expect(
        c.query(`UPDATE measurements SET approval_state = 'APPROVED' WHERE id = $1`, [rows[0]!.id]),
      ).rejects.toMatchObject({ code: '42501' });
      await c.query('ROLLBACK TO SAVEPOINT forged');
      await expect(
        c.query(
          `INSERT INTO measurements (tenant_id, indicator_id, project_id, period, measured_on,
             value, sample_size, recorded_by_organisation_id, approval_state)
           SELECT tenant_id, indicator_id, project_id, period, measured_on, value, sample_size,
                  recorded_by_organisation_id, 'APPROVED' FROM measurements WHERE id = $1`,
          [rows[0]!.id],
        ),
      ).rejects.toMatchObject({ code: '42501' });
    });
    // Nor can a partner approve the period row itself and then write: rows added to a period
    // the database holds APPROVED are refused, whoever set it.
    await asUser(DEMO_USERS.tjEditor.subject, async (c) => {
      await c.query(insertMeasurement('2026-02-10'));
      await c.query(
        `UPDATE reporting_periods SET state = 'APPROVED' WHERE project_id = $1 AND period_start = '2026-01-01'`,
        [P.TJ],
      );
      await expect(c.query(insertMeasurement('2026-02-12'))).rejects.toMatchObject({
        code: 'DGL01',
      });
    });
  });

  it('input windows close a period N days after its end; a lock exception reopens it; a future period is not open yet', async () => {
    await sql(
      `INSERT INTO approval_settings (tenant_id, input_window_days, updated_by) VALUES ($1, 30, 'test')`,
      [T.TJ],
    );
    try {
      await expect(
        asUser(DEMO_USERS.tjEditor.subject, (c) => c.query(insertMeasurement('2024-08-15'))),
      ).rejects.toMatchObject({
        code: 'DGL01',
        message: expect.stringMatching(
          /2024-07-01 to 2024-09-30 .* closed for input on 2024-10-30 \(30 days/,
        ) as unknown,
      });
      await expect(
        asUser(DEMO_USERS.tjEditor.subject, (c) => c.query(insertMeasurement('2027-02-15'))),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/opens for input on 2027-01-01/) as unknown,
      });
      // Over HTTP: the partner is refused, the admin grants an exception, the partner writes.
      const refused = await server.graphql(
        `mutation ($input: CreateMeasurementInput!) { createMeasurement(input: $input) { id } }`,
        { input: tjMeasurement({ measuredOn: '2024-08-15' }) },
        t.tjEditor,
      );
      expect(errorOf(refused)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });
      const byPartner = await server.graphql(
        `mutation ($input: GrantLockExceptionInput!) { grantLockException(input: $input) { id } }`,
        {
          input: {
            projectId: P.TJ,
            date: '2024-08-15',
            until: '2099-01-01T00:00:00Z',
            reason: 'x',
          },
        },
        t.tjEditor,
      );
      expect(errorOf(byPartner)?.code).toBe('FORBIDDEN');
      const granted = await server.graphql<{
        grantLockException: { period: { lockExceptionUntil: string } };
      }>(
        `mutation ($input: GrantLockExceptionInput!) { grantLockException(input: $input) {
           period { lockExceptionUntil } } }`,
        {
          input: {
            projectId: P.TJ,
            date: '2024-08-15',
            until: new Date(Date.now() + 86_400_000).toISOString(),
            reason: 'Late survey forms from Navobod',
          },
        },
        t.tjAdmin,
      );
      expect(granted.body.errors).toBeUndefined();
      const written = await server.graphql(
        `mutation ($input: CreateMeasurementInput!) { createMeasurement(input: $input) { id } }`,
        { input: tjMeasurement({ measuredOn: '2024-08-15' }) },
        t.tjEditor,
      );
      expect(written.body.errors).toBeUndefined();
    } finally {
      await sql(`DELETE FROM approval_settings WHERE tenant_id = $1`, [T.TJ]);
    }
  });

  it('record_history answers only for records the request reads, and refuses other kinds', async () => {
    const [row] = await sql<{ id: string }>(
      `SELECT id FROM activities WHERE project_id = $1 LIMIT 1`,
      [P.tjPilot],
    );
    await sql(
      `INSERT INTO audit_events (tenant_id, principal_kind, principal_id, action, entity_type, entity_id)
       VALUES ($1, 'SYSTEM', 'test', 'UPDATE', 'Activity', $2)`,
      [T.TJ, row!.id],
    );
    const history = (subject: string) =>
      asUser(
        subject,
        async (c) =>
          (
            await c.query<{ action: string }>(
              `SELECT * FROM record_history('Activity', ARRAY[$1]::uuid[])`,
              [row!.id],
            )
          ).rows,
      );
    expect(await history(DEMO_USERS.tjAdmin.subject)).not.toHaveLength(0);
    expect(await history(DEMO_USERS.tjEditor.subject)).toEqual([]); // a partner of the main project
    expect(await history(DEMO_USERS.kgAdmin.subject)).toEqual([]);
    expect(await history(DEMO_USERS.unAnalyst.subject)).toEqual([]);
    await expect(
      asUser(DEMO_USERS.tjAdmin.subject, (c) =>
        c.query(`SELECT * FROM record_history('ApiKey', ARRAY[$1]::uuid[])`, [row!.id]),
      ),
    ).rejects.toMatchObject({ code: '22023' });
    // The governed outcome read refuses unapproved data in SQL too.
    await expect(
      asUser(DEMO_USERS.unAnalyst.subject, (c) =>
        c.query(
          `SELECT * FROM outcome_cells(ARRAY[$1]::uuid[], ARRAY[$2]::uuid[], NULL, NULL, NULL, NULL,
             NULL, NULL, NULL, ARRAY['INDICATOR', 'TENANT'], false, NULL, 'ANY')`,
          [T.TJ, SEED_IDS.indicators.DV_PREVALENCE],
        ),
      ),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('approving while an import writes: the import lands first and is approved with it, or is refused', async () => {
    const IMPORT = `mutation ($input: ImportMeasurementsInput!) { importMeasurements(input: $input) {
      applied items { status field } } }`;
    const APPROVE = `mutation ($input: PeriodTransitionInput!) { approvePeriod(input: $input) {
      status code message measurements } }`;
    const outcomes = { landedFirst: 0, refused: 0 };
    for (const [round, quarter] of [
      '2024-10-01',
      '2025-01-01',
      '2025-07-01',
      '2025-10-01',
    ].entries()) {
      const day = quarter.replace(/01$/, '15');
      const seed = await server.graphql(
        `mutation ($input: CreateMeasurementInput!) { createMeasurement(input: $input) { id } }`,
        { input: tjMeasurement({ measuredOn: day, externalId: `race-${round}-seed` }) },
        t.tjEditor,
      );
      expect(seed.body.errors).toBeUndefined();
      const submit = await server.graphql(
        `mutation ($input: PeriodTransitionInput!) { submitPeriod(input: $input) { status } }`,
        { input: { projectId: P.TJ, date: quarter } },
        t.tjEditor,
      );
      expect(submit.body.errors).toBeUndefined();
      const items = Array.from({ length: 300 }, (_v, i) =>
        tjMeasurement({ measuredOn: day, value: i % 90, externalId: `race-${round}-${i}` }),
      );
      // The two requests in flight at once; which goes first is the race's to decide.
      const [imported, approved] = await Promise.all([
        server.graphql<{
          importMeasurements: {
            applied: boolean;
            items: { status: string; field: string | null }[];
          };
        }>(
          IMPORT,
          { input: { tenantCode: 'TJ', idempotencyKey: `race-${round}`, items } },
          t.tjEditor,
        ),
        new Promise((resolve) => setTimeout(resolve, round * 15)).then(() =>
          server.graphql<{ approvePeriod: { status: string; measurements: number } }>(
            APPROVE,
            { input: { projectId: P.TJ, date: quarter } },
            t.tjAdmin,
          ),
        ),
      ]);
      expect(imported.body.errors).toBeUndefined();
      expect(approved.body.data!.approvePeriod.status).toBe('DONE');
      const statuses = new Set(imported.body.data!.importMeasurements.items.map((i) => i.status));
      const [state] = await sql<{ drafts: number; approved: number }>(
        `SELECT count(*) FILTER (WHERE approval_state <> 'APPROVED')::int AS drafts,
                count(*) FILTER (WHERE approval_state = 'APPROVED')::int AS approved
           FROM measurements WHERE project_id = $1 AND measured_on BETWEEN $2::date AND $2::date + 80`,
        [P.TJ, quarter],
      );
      // Never a row left unapproved in the approved period.
      expect(state!.drafts).toBe(0);
      if (statuses.has('CREATED')) {
        expect([...statuses]).toEqual(['CREATED']);
        expect(state!.approved).toBe(301);
        expect(approved.body.data!.approvePeriod.measurements).toBe(301);
        outcomes.landedFirst += 1;
      } else {
        expect([...statuses]).toEqual(['INVALID']);
        expect(imported.body.data!.importMeasurements.items[0]!.field).toBe('period');
        expect(state!.approved).toBe(1);
        outcomes.refused += 1;
      }
    }
    expect(outcomes.landedFirst + outcomes.refused).toBe(4);
  });
});
