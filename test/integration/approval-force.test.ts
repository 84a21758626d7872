import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { startTestServer, type TestServer } from '../helpers/server';
import { errorOf, tjMeasurement, tokens } from '../helpers/writes';

/*
 * Forced writes into locked periods: only a platform admin may ask for `force`, on every write
 * path of activities and measurements, and the forced write is audited as forced. Everyone else
 * asking is FORBIDDEN, as users and as API keys, and in SQL (layers 1 and 2 off) setting the
 * request's force switch lifts nothing for anyone but a platform admin. The seed's periods are
 * approved: its rows are the locked rows here.
 */

const T = SEED_IDS.tenants;
const P = SEED_IDS.projects;
const O = SEED_IDS.organisations;

const UPDATE = `mutation ($input: UpdateMeasurementInput!) { updateMeasurement(input: $input) { id version value } }`;
const CREATE = `mutation ($input: CreateMeasurementInput!) { createMeasurement(input: $input) {
  id reportingPeriod { state } } }`;
const DELETE = `mutation ($input: DeleteProjectRowInput!) { deleteMeasurement(input: $input) { id version } }`;
const RESTORE = `mutation ($input: RestoreRowInput!) { restoreMeasurement(input: $input) { id version } }`;
const UPDATE_ACTIVITY = `mutation ($input: UpdateActivityInput!) { updateActivity(input: $input) { id version } }`;
const IMPORT = `mutation ($input: ImportMeasurementsInput!) { importMeasurements(input: $input) {
  created updated unchanged invalid items { status field message } } }`;

type Seeded = { id: string; version: number; measuredOn: string; externalId: string | null };

describe('forcing a write into a locked period', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  let keys: Record<'admin' | 'partner', { secret: string; prefix: string }>;

  const sql = <R>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<R[]>(text, params);

  /** A seeded, approved TJ measurement of the main project, as it is now. */
  async function seeded(offset = 0): Promise<Seeded> {
    const [row] = await sql<Seeded>(
      `SELECT id, version, to_char(measured_on, 'YYYY-MM-DD') AS "measuredOn",
              external_id AS "externalId"
         FROM measurements
        WHERE project_id = $1 AND approval_state = 'APPROVED' AND deleted_at IS NULL
        ORDER BY id OFFSET $2 LIMIT 1`,
      [P.TJ, offset],
    );
    return row!;
  }

  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
    const key = async (organisationId: string, scopes: string[]) => {
      const res = await server.graphql<{
        createApiKey: { apiKey: { prefix: string }; secret: string };
      }>(
        `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { prefix } secret } }`,
        { input: { name: 'force test', organisationId, tenantCodes: ['TJ'], scopes } },
        t.platformAdmin,
      );
      expect(res.body.errors).toBeUndefined();
      return {
        secret: res.body.data!.createApiKey.secret,
        prefix: res.body.data!.createApiKey.apiKey.prefix,
      };
    };
    keys = {
      admin: await key(O.internationalAlert, ['READ', 'WRITE', 'ADMIN', 'APPROVE']),
      partner: await key(O.tjWomenRights, ['READ', 'WRITE']),
    };
  });
  afterAll(() => server.close());

  /** Every principal but the platform admin: each role as a user, and keys of both kinds. */
  const others = () =>
    [
      ['TJ admin', t.tjAdmin],
      ['TJ editor', t.tjEditor],
      ['TJ viewer', t.tjViewer],
      ['TJ pilot editor', t.tjPilotEditor],
      ['KG admin', t.kgAdmin],
      ['KG editor', t.kgEditor],
      ['TJ admin key', { apiKey: keys.admin.secret }],
      ['TJ partner key', { apiKey: keys.partner.secret }],
    ] as const;

  it('everyone but a platform admin asking for force is FORBIDDEN on every write path, and nothing changes', async () => {
    const row = await seeded();
    const [activity] = await sql<{ id: string; version: number }>(
      `SELECT id, version FROM activities WHERE project_id = $1 AND approval_state = 'APPROVED'
        AND deleted_at IS NULL LIMIT 1`,
      [P.TJ],
    );
    const attempts: [string, Record<string, unknown>][] = [
      [UPDATE, { input: { id: row.id, expectedVersion: row.version, value: 1, force: true } }],
      [
        UPDATE_ACTIVITY,
        {
          input: { id: activity!.id, expectedVersion: activity!.version, title: 'x', force: true },
        },
      ],
      [CREATE, { input: { ...tjMeasurement({ measuredOn: row.measuredOn }), force: true } }],
      [DELETE, { input: { id: row.id, expectedVersion: row.version, force: true } }],
      [RESTORE, { input: { id: row.id, expectedVersion: row.version, force: true } }],
      [
        IMPORT,
        {
          input: {
            tenantCode: 'TJ',
            idempotencyKey: 'force-refused',
            force: true,
            items: [{ ...tjMeasurement({ measuredOn: row.measuredOn }), externalId: 'forced-1' }],
          },
        },
      ],
    ];
    for (const [who, auth] of others()) {
      for (const [query, variables] of attempts) {
        const res = await server.graphql(query, variables, auth);
        expect({ who, query, error: errorOf(res)?.code }).toEqual({
          who,
          query,
          error: 'FORBIDDEN',
        });
        expect(res.body.errors![0]!.message).not.toMatch(/SQL|select|stack/i);
      }
    }
    // The TJ admin's own refusal says why.
    const res = await server.graphql(UPDATE, attempts[0]![1], t.tjAdmin);
    expect(errorOf(res)).toEqual({ code: 'FORBIDDEN', field: 'force' });
    expect(res.body.errors![0]!.message).toMatch(/Only platform admins may force/);
    expect(await seeded()).toEqual(row);
    const [{ n }] = (await sql<{ n: string }>(
      `SELECT count(*) AS n FROM measurements WHERE external_id = 'forced-1'`,
    )) as [{ n: string }];
    expect(Number(n)).toBe(0);
  });

  it('a platform admin without force is held by the lock like anyone', async () => {
    const row = await seeded();
    const res = await server.graphql(
      UPDATE,
      { input: { id: row.id, expectedVersion: row.version, value: 1 } },
      t.platformAdmin,
    );
    expect(errorOf(res)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });
  });

  it('a platform admin forces an update, a create, a delete, a restore and an import, each audited as forced', async () => {
    const row = await seeded();
    const updated = await server.graphql<{ updateMeasurement: { version: number; value: number } }>(
      UPDATE,
      { input: { id: row.id, expectedVersion: row.version, value: 33.3, force: true } },
      t.platformAdmin,
    );
    expect(updated.body.errors).toBeUndefined();
    expect(updated.body.data!.updateMeasurement.value).toBe(33.3);

    const created = await server.graphql<{
      createMeasurement: { id: string; reportingPeriod: { state: string } };
    }>(
      CREATE,
      { input: { ...tjMeasurement({ measuredOn: row.measuredOn }), force: true } },
      t.platformAdmin,
    );
    expect(created.body.errors).toBeUndefined();
    // Forced into an approved period, the row is part of what was approved.
    expect(created.body.data!.createMeasurement.reportingPeriod.state).toBe('APPROVED');
    const [state] = await sql<{ approval_state: string }>(
      `SELECT approval_state FROM measurements WHERE id = $1`,
      [created.body.data!.createMeasurement.id],
    );
    expect(state!.approval_state).toBe('APPROVED');

    const version = updated.body.data!.updateMeasurement.version;
    const deleted = await server.graphql<{ deleteMeasurement: { version: number } }>(
      DELETE,
      { input: { id: row.id, expectedVersion: version, force: true } },
      t.platformAdmin,
    );
    expect(deleted.body.errors).toBeUndefined();
    const restored = await server.graphql(
      RESTORE,
      {
        input: {
          id: row.id,
          expectedVersion: deleted.body.data!.deleteMeasurement.version,
          force: true,
        },
      },
      t.platformAdmin,
    );
    expect(restored.body.errors).toBeUndefined();

    const imported = await server.graphql<{
      importMeasurements: { created: number; invalid: number };
    }>(
      IMPORT,
      {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: 'force-granted',
          force: true,
          items: [{ ...tjMeasurement({ measuredOn: row.measuredOn }), externalId: 'forced-2' }],
        },
      },
      t.platformAdmin,
    );
    expect(imported.body.errors).toBeUndefined();
    expect(imported.body.data!.importMeasurements).toMatchObject({ created: 1, invalid: 0 });

    const audit = await sql<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_events
        WHERE entity_type = 'Measurement' AND principal_id = (SELECT id::text FROM users WHERE subject = $1)
        ORDER BY occurred_at, id`,
      [DEMO_USERS.platformAdmin.subject],
    );
    expect(audit.map((a) => a.action)).toEqual(['UPDATE', 'CREATE', 'DELETE', 'RESTORE', 'CREATE']);
    for (const entry of audit) {
      expect(entry.details).toMatchObject({
        forced: true,
        lockedPeriods: [expect.stringMatching(/is approved: it is read-only/)],
      });
    }
    // Without force the next write is held again: the switch covered the forced writes only.
    const again = await seeded();
    const held = await server.graphql(
      UPDATE,
      { input: { id: again.id, expectedVersion: again.version, value: 2 } },
      t.platformAdmin,
    );
    expect(errorOf(held)?.code).toBe('PERIOD_LOCKED');
  });

  it('an unchanged re-import into an approved period is UNCHANGED; a changed item is still refused', async () => {
    const row = await seeded(1);
    const [stored] = await sql<Record<string, unknown>>(
      `SELECT indicator_id AS "indicatorId", project_id AS "projectId", community_id AS "communityId",
              period, to_char(measured_on, 'YYYY-MM-DD') AS "measuredOn", value::float8 AS value,
              sample_size AS "sampleSize", sex, age_band AS "ageBand", source,
              external_id AS "externalId"
         FROM measurements WHERE id = $1`,
      [row.id],
    );
    const item = Object.fromEntries(Object.entries(stored!).filter(([, v]) => v !== null));
    if (!item.externalId) {
      await sql(`UPDATE measurements SET external_id = 'force-seeded' WHERE id = $1`, [row.id]);
      item.externalId = 'force-seeded';
    }
    const send = (key: string, items: unknown[]) =>
      server.graphql<{
        importMeasurements: { unchanged: number; invalid: number; items: { field: string }[] };
      }>(IMPORT, { input: { tenantCode: 'TJ', idempotencyKey: key, items } }, t.tjAdmin);
    const same = await send('unchanged-1', [item]);
    expect(same.body.errors).toBeUndefined();
    expect(same.body.data!.importMeasurements).toMatchObject({ unchanged: 1, invalid: 0 });
    const changed = await send('unchanged-2', [{ ...item, value: 1 }]);
    expect(changed.body.data!.importMeasurements).toMatchObject({ unchanged: 0, invalid: 1 });
    expect(changed.body.data!.importMeasurements.items[0]!.field).toBe('period');
  });

  describe('in SQL, with the service out of the way', () => {
    /** Runs `work` as dg_app under a principal's settings, in a transaction rolled back. */
    async function as<R>(
      principal: { user: string } | { key: string },
      work: (c: PoolClient) => Promise<R>,
    ): Promise<R> {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        await client.query('BEGIN');
        if ('user' in principal) {
          await client.query('SELECT * FROM request_user_principal($1)', [principal.user]);
        } else {
          await client.query('SELECT * FROM request_key_principal($1)', [principal.key]);
        }
        await client.query(`SET LOCAL ROLE ${APPLICATION_ROLE}`);
        return await work(client);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }

    const forcedUpdate = async (c: PoolClient, id: string) => {
      await c.query(`SET LOCAL app.force_period_locks = 'on'`);
      return c.query(`UPDATE measurements SET value = value + 1 WHERE id = $1`, [id]);
    };

    it('the force switch lifts nothing for any other principal, users and keys', async () => {
      const row = await seeded();
      const before = row;
      const principals = [
        ...(
          ['tjAdmin', 'tjEditor', 'tjViewer', 'tjPilotEditor', 'kgAdmin', 'unAnalyst'] as const
        ).map((k) => ({ user: DEMO_USERS[k].subject })),
        { key: keys.admin.prefix },
        { key: keys.partner.prefix },
      ];
      // Who may write the row (the TJ admin, as user and key): the guard itself refuses them.
      const writers = new Set<object>([principals[0]!, principals[6]!]);
      for (const principal of principals) {
        // The principal function never says platform admin for them.
        const flag = await as(principal, async (c) => {
          const { rows } = await c.query<{ v: string | null }>(
            `SELECT current_setting('app.platform_admin', true) AS v`,
          );
          return rows[0]!.v;
        });
        expect({ principal, flag: flag ?? '' }).toEqual({ principal, flag: '' });
        // Refused by the guard; or, for who may not write the row at all, touching nothing.
        const outcome = await as(principal, (c) => forcedUpdate(c, row.id)).then(
          (r) => r.rowCount,
          (e: { code: string }) => e.code,
        );
        if (writers.has(principal))
          expect({ principal, outcome }).toEqual({ principal, outcome: 'DGL01' });
        expect(['DGL01', '42501', 0]).toContain(outcome);
        await expect(
          as(principal, async (c) => {
            await c.query(`SET LOCAL app.force_period_locks = 'on'`);
            return c.query(
              `INSERT INTO measurements (tenant_id, indicator_id, project_id, period, measured_on,
                 value, sample_size, recorded_by_organisation_id)
               VALUES ($1, $2, $3, 'ROUTINE', $4, 10, 20, $5)`,
              [T.TJ, SEED_IDS.indicators.DV_PREVALENCE, P.TJ, row.measuredOn, O.internationalAlert],
            );
          }),
        ).rejects.toMatchObject({ code: expect.stringMatching(/^(DGL01|42501)$/) as unknown });
      }
      expect(await seeded()).toEqual(before);
    });

    it('a platform admin passes only with the switch on, and is held again once it is off', async () => {
      const row = await seeded();
      const admin = { user: DEMO_USERS.platformAdmin.subject };
      await expect(
        as(admin, (c) =>
          c.query(`UPDATE measurements SET value = value + 1 WHERE id = $1`, [row.id]),
        ),
      ).rejects.toMatchObject({ code: 'DGL01' });
      await as(admin, async (c) => {
        const { rowCount } = await forcedUpdate(c, row.id);
        expect(rowCount).toBe(1);
        await c.query(`SET LOCAL app.force_period_locks = 'off'`);
        await expect(
          c.query(`UPDATE measurements SET value = value + 1 WHERE id = $1`, [row.id]),
        ).rejects.toMatchObject({ code: 'DGL01' });
      });
      // Forcing does not forge a state: a row's approval_state still follows its period.
      await as(admin, async (c) => {
        await c.query(`SET LOCAL app.force_period_locks = 'on'`);
        await expect(
          c.query(`UPDATE measurements SET approval_state = 'DRAFT' WHERE id = $1`, [row.id]),
        ).rejects.toMatchObject({ code: '42501' });
      });
    });
  });
});
