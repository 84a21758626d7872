import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * A UN agency's analyst reads Tajikistan's published outcomes under the seeded sharing
 * agreement, perturbed within the agreement's bounds, and nothing else: not without the
 * agreement, not after it is revoked or expires, not by community, not an indicator it does
 * not name, and never a row.
 */

const AGREEMENT = SEED_IDS.sharingAgreements.tjUnWomen;
const T = SEED_IDS.tenants;

const SUMMARIES = `query ($filter: OutcomeFilter, $groupBy: [OutcomeDimension!]!, $agreementId: UUID, $preview: Boolean) {
  outcomeSummaries(filter: $filter, groupBy: $groupBy, agreementId: $agreementId, preview: $preview) {
    indicator { code direction } tenant { code } region project { code } year sex
    baseline latest absoluteChange relativeChange foldChange improved
    sampleSize communities suppressed suppressionReason
    disclosure { perturbed minCellSize minCommunities maxDeviation deviationVariance valueDeviation } } }`;

type Summary = {
  indicator: { code: string; direction: string };
  tenant: { code: string } | null;
  region: string | null;
  project: { code: string } | null;
  year: number | null;
  sex: string | null;
  baseline: number | null;
  latest: number | null;
  absoluteChange: number | null;
  relativeChange: number | null;
  foldChange: number | null;
  improved: boolean | null;
  sampleSize: number | null;
  communities: number | null;
  suppressed: boolean;
  suppressionReason: string | null;
  disclosure: Record<string, unknown> | null;
};

const PUBLISHED = {
  filter: { tenants: ['TJ'], indicatorCodes: ['DV_PREVALENCE', 'FAMILY_SAVINGS'] },
  groupBy: ['TENANT', 'INDICATOR'],
};

describe('outcome summaries for an aggregate analyst', () => {
  let server: TestServer;
  let analyst: string;
  let tjAdmin: string;

  beforeAll(async () => {
    server = await startTestServer();
    analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
    tjAdmin = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
  });
  afterAll(() => server.close());

  const sql = <T>(text: string, params: unknown[] = []) =>
    server.db.dataSource.query<T[]>(text, params);
  const summaries = (
    token: string | { apiKey: string },
    variables: Record<string, unknown> = PUBLISHED,
  ) => server.graphql<{ outcomeSummaries: Summary[] }>(SUMMARIES, variables, token);
  const auditCount = async () =>
    (
      await sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'AGGREGATE_READ'`,
      )
    )[0]!.n;
  const expectForbidden = (response: Awaited<ReturnType<typeof summaries>>) => {
    expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(response.body.data ?? null).toBeNull();
  };
  /** Runs `work` with the seeded agreement changed, then restores it. */
  const withAgreement = async (change: string, work: () => Promise<void>) => {
    await sql(`UPDATE sharing_agreements SET ${change} WHERE id = $1`, [AGREEMENT]);
    try {
      await work();
    } finally {
      await sql(
        `UPDATE sharing_agreements SET revoked_at = NULL, expires_at = NULL,
           valid_from = '2024-01-01T00:00:00Z', recipient_organisation_id = $2,
           min_cell_size = 10 WHERE id = $1`,
        [AGREEMENT, SEED_IDS.organisations.unWomen],
      );
    }
  };

  it('reproduces the published results under the seeded agreement, within the perturbation: violence −50 %, savings ×8, both improved', async () => {
    const response = await summaries(analyst);
    expect(response.body.errors).toBeUndefined();
    const rows = response.body.data!.outcomeSummaries;
    expect(rows.map((r) => [r.tenant?.code, r.indicator.code])).toEqual([
      ['TJ', 'DV_PREVALENCE'],
      ['TJ', 'FAMILY_SAVINGS'],
    ]);
    const [violence, savings] = rows as [Summary, Summary];
    expect(violence).toMatchObject({ improved: true, suppressed: false, suppressionReason: null });
    expect(Math.abs(violence.relativeChange! - -0.5)).toBeLessThanOrEqual(0.03);
    expect(Math.abs(violence.sampleSize! - 200)).toBeLessThanOrEqual(2);
    expect(Math.abs(violence.communities! - 4)).toBeLessThanOrEqual(2);
    // A mean over n respondents moves by at most valueDeviation / n of itself.
    expect(Math.abs(violence.baseline! / 44.75 - 1)).toBeLessThanOrEqual(2 / 200 + 1e-12);
    expect(savings).toMatchObject({ improved: true, suppressed: false });
    expect(Math.abs(savings.foldChange! - 8)).toBeLessThanOrEqual(0.3);
    // Every answer says it is perturbed, and how.
    for (const row of rows) {
      expect(row.disclosure).toEqual({
        perturbed: true,
        minCellSize: 10,
        minCommunities: 3,
        maxDeviation: 2,
        deviationVariance: 1,
        valueDeviation: 2,
      });
    }
    // The same question gives the same answer, every time: repeating it averages nothing out.
    expect((await summaries(analyst)).body.data).toEqual(response.body.data);
  });

  it('the TJ admin still gets the exact published results', async () => {
    const rows = (await summaries(tjAdmin)).body.data!.outcomeSummaries;
    expect(rows.map((r) => [r.relativeChange, r.foldChange, r.sampleSize, r.disclosure])).toEqual([
      [-0.5, 0.5, 200, null],
      [7, 8, 200, null],
    ]);
  });

  it('audits every read with who, which agreement, indicators, grouping and parameters, under the server’s request id', async () => {
    const before = await auditCount();
    const response = await server.graphql(SUMMARIES, PUBLISHED, analyst, {
      'x-request-id': 'analyst-says-this-is-request-1',
    });
    expect(await auditCount()).toBe(before + 1);
    const [event] = await sql<{
      tenant_id: string;
      request_id: string;
      client_request_id: string;
      principal_kind: string;
      principal_id: string;
      organisation_id: string;
      entity_id: string;
      details: Record<string, unknown>;
    }>(
      `SELECT * FROM audit_events WHERE action = 'AGGREGATE_READ' ORDER BY occurred_at DESC LIMIT 1`,
    );
    expect(event).toMatchObject({
      tenant_id: T.TJ,
      principal_kind: 'USER',
      principal_id: SEED_IDS.users.unAnalyst,
      organisation_id: SEED_IDS.organisations.unWomen,
      entity_id: AGREEMENT,
      // The server's id, which it also sent back; the client's own label kept apart.
      request_id: response.headers.get('x-request-id'),
      client_request_id: 'analyst-says-this-is-request-1',
    });
    expect(event!.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event!.details).toEqual({
      operation: 'outcomeSummaries',
      agreementId: AGREEMENT,
      indicators: ['DV_PREVALENCE', 'FAMILY_SAVINGS'],
      groupBy: ['TENANT'],
      minCellSize: 10,
      maxDeviation: 2,
      deviationVariance: 1,
      valueDeviation: 2,
    });
  });

  it('is FORBIDDEN without an agreement for the tenant (KG), and writes no audit event', async () => {
    const before = await auditCount();
    expectForbidden(
      await summaries(analyst, { ...PUBLISHED, filter: { ...PUBLISHED.filter, tenants: ['KG'] } }),
    );
    expect(await auditCount()).toBe(before);
  });

  it('is FORBIDDEN from the next request once the agreement is revoked', async () => {
    await withAgreement('revoked_at = now()', async () => {
      expectForbidden(await summaries(analyst));
    });
    expect((await summaries(analyst)).body.errors).toBeUndefined();
  });

  it('is FORBIDDEN once the agreement has expired, or before it starts', async () => {
    await withAgreement(
      `valid_from = now() - interval '2 days', expires_at = now() - interval '1 second'`,
      async () => {
        expectForbidden(await summaries(analyst));
      },
    );
    await withAgreement(`valid_from = now() + interval '1 day'`, async () => {
      expectForbidden(await summaries(analyst));
    });
  });

  it('is FORBIDDEN when the agreement names another organisation', async () => {
    await withAgreement(
      `recipient_organisation_id = '${SEED_IDS.organisations.ukGovernment}'`,
      async () => {
        expectForbidden(await summaries(analyst));
      },
    );
  });

  it('is FORBIDDEN for an indicator outside the agreement', async () => {
    expectForbidden(
      await summaries(analyst, {
        ...PUBLISHED,
        filter: { tenants: ['TJ'], indicatorCodes: ['WOMEN_MOBILITY'] },
      }),
    );
    expectForbidden(
      await summaries(analyst, {
        groupBy: ['TENANT'],
        filter: { indicatorCodes: ['DV_PREVALENCE', 'WOMEN_MOBILITY'] },
      }),
    );
  });

  it.each([['COMMUNITY'], ['PROJECT'], ['SETTLEMENT'], ['SEX']])(
    'is FORBIDDEN grouped by %s, which the agreement does not allow',
    async (dimension) => {
      expectForbidden(await summaries(analyst, { ...PUBLISHED, groupBy: ['TENANT', dimension] }));
    },
  );

  it.each([
    ['communityIds', [SEED_IDS.communities.tjNavobod]],
    ['projectIds', [SEED_IDS.projects.TJ]],
    ['settlement', 'RURAL'],
    ['from', '2022-01-01'],
    ['to', '2026-12-31'],
  ])('is FORBIDDEN filtered by %s, which could isolate a small group', async (name, value) => {
    expectForbidden(
      await summaries(analyst, { ...PUBLISHED, filter: { ...PUBLISHED.filter, [name]: value } }),
    );
  });

  it('gets no rows: communities, activities, measurements and projects are denied', async () => {
    for (const query of [
      '{ communities { totalCount nodes { id name } } }',
      '{ activities { totalCount nodes { id } } }',
      '{ measurements { totalCount nodes { id value } } }',
      '{ projects { totalCount nodes { id } } }',
    ]) {
      const response = await server.graphql<Record<string, unknown>>(query, {}, analyst);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(Object.values(response.body.data ?? {}).every((value) => value === null)).toBe(true);
    }
  });

  it('sees regions only above the cell limits: the one-community region is suppressed, with no reason', async () => {
    const response = await summaries(analyst, {
      filter: { tenants: ['TJ'], indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['REGION'],
    });
    expect(response.body.errors).toBeUndefined();
    const rows = response.body.data!.outcomeSummaries;
    expect(rows.map((row) => [row.region, row.suppressed])).toEqual([
      ['Khatlon', false],
      ['Sughd', true],
    ]);
    for (const row of rows) {
      expect(row.suppressionReason).toBeNull();
      if (row.suppressed) {
        expect(row).toMatchObject({ baseline: null, latest: null, sampleSize: null });
      } else {
        expect(row.sampleSize).toBeGreaterThanOrEqual(10);
        expect(row.communities).toBeGreaterThanOrEqual(3);
      }
    }
  });

  it('raises k to the agreement’s minimum cell size', async () => {
    await withAgreement('min_cell_size = 500', async () => {
      const rows = (await summaries(analyst)).body.data!.outcomeSummaries;
      expect(rows.every((row) => row.suppressed && row.suppressionReason === null)).toBe(true);
      expect(rows.every((row) => row.disclosure?.minCellSize === 500)).toBe(true);
    });
  });

  it('an aggregate-scoped key of the recipient reads the same, and is audited as the key', async () => {
    const created = await server.graphql<{
      createApiKey: { apiKey: { id: string }; secret: string };
    }>(
      `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } secret } }`,
      {
        input: {
          name: 'UN Women dashboard',
          organisationId: SEED_IDS.organisations.unWomen,
          tenantCodes: ['TJ'],
          scopes: ['AGGREGATE'],
        },
      },
      tjAdmin,
    );
    expect(created.body.errors).toBeUndefined();
    const key = { apiKey: created.body.data!.createApiKey.secret };
    const analysts = (await summaries(analyst)).body.data!.outcomeSummaries;
    const rows = (await summaries(key)).body.data!.outcomeSummaries;
    // The same cells as the analyst's, so the same perturbation.
    expect(rows).toEqual(analysts);
    const [event] = await sql<{ principal_kind: string; principal_id: string }>(
      `SELECT principal_kind, principal_id FROM audit_events WHERE action = 'AGGREGATE_READ'
        ORDER BY occurred_at DESC LIMIT 1`,
    );
    expect(event).toEqual({
      principal_kind: 'API_KEY',
      principal_id: created.body.data!.createApiKey.apiKey.id,
    });
    expectForbidden(await summaries(key, { ...PUBLISHED, groupBy: ['COMMUNITY'] }));
    const rowsDenied = await server.graphql<Record<string, unknown>>(
      '{ measurements { totalCount } }',
      {},
      key,
    );
    expect(rowsDenied.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('the database itself refuses an analyst’s read no agreement covers, whatever the service asks', async () => {
    // Layer 4 below the service: call the function as the analyst's transaction would (dg_app,
    // no tenant in app.tenant_ids, the analyst's grants) for a grouping the agreement refuses.
    const connection = await poolOf(server.db.dataSource).connect();
    try {
      await connection.query('BEGIN');
      await connection.query(`SELECT request_disclosure_settings('jwt', $1, 'r', NULL)`, [
        DEMO_USERS.unAnalyst.subject,
      ]);
      await connection.query(`SELECT set_config('app.tenant_ids', '', true)`);
      await connection.query('SET LOCAL ROLE dg_app');
      await expect(
        connection.query(
          `SELECT * FROM outcome_cells($1::uuid[], $2::uuid[], NULL, NULL, NULL, NULL, NULL, NULL,
             NULL, ARRAY['INDICATOR', 'SEX'], false, NULL)`,
          [[T.TJ], [SEED_IDS.indicators.DV_PREVALENCE]],
        ),
      ).rejects.toThrow(/no sharing agreement/);
    } finally {
      await connection.query('ROLLBACK');
      connection.release();
    }
  });
});
