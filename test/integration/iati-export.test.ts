import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { IatiSchemaValidator } from '../../src/modules/iati/iati.validator';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Issue 20: the tenant's IATI 2.03 file. The seed's TJ file validates against the vendored XSD
 * and publishes the article's results (−50 % violence, savings ×8) within what the disclosure
 * rules' perturbation allows; only a tenant's admins (and `iati` keys) get it; an organisation
 * without an identifier makes it fail with its name; a broken document fails with the
 * schema's own message.
 */

const IATI_QUERY = `query ($code: String!) { iatiActivities(tenantCode: $code) }`;
const SET_IDENTIFIER = `mutation ($input: SetOrganisationIatiIdentifierInput!) {
  setOrganisationIatiIdentifier(input: $input) { id iatiIdentifier version } }`;

describe('IATI 2.03 export', () => {
  let server: TestServer;
  let tjAdmin: string;
  let kgAdmin: string;
  let platformAdmin: string;
  let tjEditor: string;
  let analyst: string;

  beforeAll(async () => {
    server = await startTestServer();
    tjAdmin = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    kgAdmin = await server.tokenFor(DEMO_USERS.kgAdmin.subject);
    platformAdmin = await server.tokenFor(DEMO_USERS.platformAdmin.subject);
    tjEditor = await server.tokenFor(DEMO_USERS.tjEditor.subject);
    analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
  });
  afterAll(() => server.close());

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  async function key(scopes: string[]): Promise<string> {
    const created = await server.graphql<{ createApiKey: { secret: string } }>(
      `mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret } }`,
      {
        input: {
          name: `IATI ${scopes.join('+')}`,
          organisationId: SEED_IDS.organisations.internationalAlert,
          tenantCodes: ['TJ'],
          scopes,
        },
      },
      tjAdmin,
    );
    expect(created.body.errors).toBeUndefined();
    return created.body.data!.createApiKey.secret;
  }

  /** The value attributes of the DV_PREVALENCE or FAMILY_SAVINGS result of LWD-TJ. */
  function resultOf(xml: string, title: RegExp): { baseline: number; actual: number; n: number } {
    const activity = xml
      .split('<iati-activity ')
      .find((a) => a.includes('-LWD-TJ</iati-identifier>'))!;
    const result = activity.split('<result ').find((r) => title.test(r))!;
    expect(result).toBeDefined();
    const baseline =
      /<baseline year="2022" iso-date="2022-06-15" value="([\d.]+)">\s*<dg:sample-size value="(\d+)"/.exec(
        result,
      );
    // The endline survey's round: its fieldwork month (the seed's endline is 2026-06-17).
    const actual =
      /<period-start iso-date="2026-06-01"\/>\s*<period-end iso-date="2026-06-30"\/>[\s\S]*?<actual value="([\d.]+)">/.exec(
        result,
      );
    expect(baseline).not.toBeNull();
    expect(actual).not.toBeNull();
    return { baseline: Number(baseline![1]), actual: Number(actual![1]), n: Number(baseline![2]) };
  }

  it('serves the TJ file to its admin: schema-valid, one activity per project, the published results within the perturbation', async () => {
    const response = await get('/export/iati/TJ.xml', bearer(tjAdmin));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/xml/);
    const xml = await response.text();
    expect(await IatiSchemaValidator.instance().validate(xml)).toEqual([]);
    expect(xml.match(/<iati-identifier>[^<]+<\/iati-identifier>/g)).toEqual([
      '<iati-identifier>GB-CHC-327553-FRP-TJ</iati-identifier>',
      '<iati-identifier>GB-CHC-327553-LWD-TJ</iati-identifier>',
    ]);
    expect(xml).toContain('<recipient-country code="TJ" percentage="100"/>');
    expect(xml).toContain('<sector vocabulary="1" code="15180" percentage="100"/>');
    expect(xml).toContain('<participating-org role="1" type="10" ref="GB-GOV-1">');
    expect(xml).toContain('<participating-org role="4" type="21" ref="GB-CHC-327553">');
    // Tajik names are Tajik narratives; every narrative names its language.
    expect(xml).toMatch(/<narrative xml:lang="tg">Ташкилоти ҷамъиятии/);
    expect(xml.match(/<narrative(?! xml:lang="[a-z]{2}")/g)).toBeNull();

    // Perturbed means: each side moves by at most valueDeviation (2) respondents' worth of
    // itself over the true respondents (4 communities, 50+…: at least the shown n − D).
    const tolerance = (n: number) => {
      const d = 2 / (n - 2);
      return (1 + d) / (1 - d) - 1;
    };
    const violence = resultOf(xml, /<title><narrative xml:lang="en">[^<]*[Vv]iolence/);
    expect(Math.abs(violence.actual / violence.baseline / 0.5 - 1)).toBeLessThanOrEqual(
      tolerance(violence.n),
    );
    const savings = resultOf(xml, /<title><narrative xml:lang="en">[^<]*[Ss]avings/);
    expect(Math.abs(savings.actual / savings.baseline / 8 - 1)).toBeLessThanOrEqual(
      tolerance(savings.n),
    );
    // Never the exact figures: the seed's exact TJ means (44.75 % violence) are not shown.
    expect(violence.baseline).not.toBe(44.75);
    expect(violence.baseline).toBeCloseTo(44.75, 0);
  });

  it('answers the same document to the GraphQL field', async () => {
    const [file, field] = await Promise.all([
      get('/export/iati/tj.xml', bearer(tjAdmin)).then((r) => r.text()),
      server.graphql<{ iatiActivities: string }>(IATI_QUERY, { code: 'TJ' }, tjAdmin),
    ]);
    const strip = (xml: string) => xml.replace(/generated-datetime="[^"]+"/, '');
    expect(field.body.errors).toBeUndefined();
    expect(strip(field.body.data!.iatiActivities)).toBe(strip(file));
  });

  it('is refused to everyone but the tenant’s admins and `iati` keys, and never leaks another tenant', async () => {
    expect((await get('/export/iati/TJ.xml')).status).toBe(401);
    for (const token of [kgAdmin, tjEditor, analyst]) {
      const response = await get('/export/iati/TJ.xml', bearer(token));
      expect(response.status).toBe(403);
      expect(
        ((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!
          .extensions.code,
      ).toBe('FORBIDDEN');
      const field = await server.graphql(IATI_QUERY, { code: 'TJ' }, token);
      expect(field.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // A key without the `iati` scope, even with admin's read and write: no.
    expect((await get('/export/iati/TJ.xml', { 'x-api-key': server.devApiKey })).status).toBe(403);
    expect(
      (await get('/export/iati/TJ.xml', { 'x-api-key': await key(['READ', 'ADMIN']) })).status,
    ).toBe(403);
    // The platform admin may; a KG file never names a TJ project.
    const kg = await get('/export/iati/KG.xml', bearer(platformAdmin));
    expect(kg.status).toBe(200);
    const kgXml = await kg.text();
    expect(kgXml).toContain('LWD-KG</iati-identifier>');
    expect(kgXml).not.toContain('-TJ</iati-identifier>');
    expect((await get('/export/iati/TJX.xml', bearer(tjAdmin))).status).toBe(400);
  });

  it('an `iati`-only key publishes, and reads no row through GraphQL', async () => {
    const iati = await key(['IATI']);
    const response = await get('/export/iati/TJ.xml', { 'x-api-key': iati });
    expect(response.status).toBe(200);
    expect(await IatiSchemaValidator.instance().validate(await response.text())).toEqual([]);
    const rows = await server.graphql(
      `{ activities(first: 1) { totalCount } }`,
      {},
      { apiKey: iati },
    );
    expect(rows.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await get('/export/iati/KG.xml', { 'x-api-key': iati })).status).toBe(403);
  });

  it('an organisation without an identifier fails the export with its name; only platform admins set identifiers', async () => {
    const org = SEED_IDS.organisations.tjInitiativeGroup;
    const version = async () =>
      (
        await poolOf(server.db.dataSource).query<{ version: number }>(
          `SELECT version FROM organisations WHERE id = $1`,
          [org],
        )
      ).rows[0]!.version;
    const clear = { organisationId: org, iatiIdentifier: null, expectedVersion: await version() };
    const byTenantAdmin = await server.graphql(SET_IDENTIFIER, { input: clear }, tjAdmin);
    expect(byTenantAdmin.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await server.graphql(
      SET_IDENTIFIER,
      { input: { ...clear, iatiIdentifier: 'not an identifier' } },
      platformAdmin,
    );
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const cleared = await server.graphql<{
      setOrganisationIatiIdentifier: { iatiIdentifier: null };
    }>(SET_IDENTIFIER, { input: clear }, platformAdmin);
    expect(cleared.body.errors).toBeUndefined();
    const stale = await server.graphql(SET_IDENTIFIER, { input: clear }, platformAdmin);
    expect(stale.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    const response = await get('/export/iati/TJ.xml', bearer(tjAdmin));
    expect(response.status).toBe(409);
    const body = (await response.json()) as {
      errors: { message: string; extensions: { code: string; problems: string[] } }[];
    };
    expect(body.errors[0]!.extensions.code).toBe('CONFLICT');
    expect(body.errors[0]!.message).toContain(
      '«Гурӯҳи ташаббускори занони деҳаи Навобод» has no IATI organisation identifier',
    );

    const restored = await server.graphql(
      SET_IDENTIFIER,
      {
        input: {
          organisationId: org,
          iatiIdentifier: 'XI-IATI-EXAMPLE-TJ-3',
          expectedVersion: await version(),
        },
      },
      platformAdmin,
    );
    expect(restored.body.errors).toBeUndefined();
    expect((await get('/export/iati/TJ.xml', bearer(tjAdmin))).status).toBe(200);
  });

  it('set_organisation_iati_identifier refuses, as the application role, any principal but a platform admin', async () => {
    const client = await poolOf(server.db.dataSource).connect();
    try {
      for (const principal of [
        '',
        `USER:${SEED_IDS.users.tjAdmin}`,
        'USER:not-a-uuid',
        `API_KEY:${SEED_IDS.users.platformAdmin}`,
        `USER:${SEED_IDS.users.platformAdmin}' OR true --`,
      ]) {
        await client.query('BEGIN');
        await client.query(setLocal('app.principal', principal));
        await client.query(`SELECT set_config('role', '${APPLICATION_ROLE}', true)`);
        await expect(
          client.query(`SELECT * FROM set_organisation_iati_identifier($1, 'XX-EVIL-1', 1)`, [
            SEED_IDS.organisations.internationalAlert,
          ]),
        ).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK');
      }
      // dg_app may not write the column itself either.
      await client.query('BEGIN');
      await client.query(`SELECT set_config('role', '${APPLICATION_ROLE}', true)`);
      await expect(
        client.query(`UPDATE organisations SET iati_identifier = 'XX-EVIL-1'`),
      ).rejects.toMatchObject({ code: '42501' });
      await client.query('ROLLBACK');
    } finally {
      // A failed statement leaves its transaction open: never return it to the pool so.
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('rejects a broken document with the schema’s own message', async () => {
    const errors = await IatiSchemaValidator.instance().validate(
      '<iati-activities version="2.03"><iati-activity><title/></iati-activity></iati-activities>',
    );
    expect(errors[0]!.message).toMatch(
      /Element 'title': This element is not expected\. Expected is \( iati-identifier \)/,
    );
    const malformed = await IatiSchemaValidator.instance().validate('<iati-activities');
    expect(malformed.length).toBeGreaterThan(0);
  });

  describe('results by survey round, as for the strictest recipient', () => {
    const TJ = SEED_IDS.tenants.TJ;
    /** The LWD-TJ activity's result whose title matches, as XML. */
    const resultXml = (xml: string, title: RegExp) =>
      xml
        .split('<iati-activity ')
        .find((a) => a.includes('-LWD-TJ</iati-identifier>'))!
        .split('<result ')
        .find((r) => title.test(r));
    const periodsOf = (result: string) =>
      [
        ...result.matchAll(
          /<period-start iso-date="([\d-]+)"\/>\s*<period-end iso-date="([\d-]+)"\/>/g,
        ),
      ].map((m) => `${m[1]}/${m[2]}`);
    const violence = /<title><narrative xml:lang="en">[^<]*[Vv]iolence/;
    const exportTj = async () => {
      const response = await get('/export/iati/TJ.xml', bearer(tjAdmin));
      expect(response.status).toBe(200);
      return response.text();
    };

    beforeAll(async () => {
      // A midline survey and a quarter of routine monitoring, copied from the endline survey.
      for (const [period, day, suffix] of [
        ['MIDLINE', '2024-06-12', 'MID'],
        ['ROUTINE', '2025-05-10', 'R1'],
        ['ROUTINE', '2025-06-20', 'R2'],
      ] as const) {
        await server.db.dataSource.query(
          `INSERT INTO measurements (tenant_id, indicator_id, project_id, community_id, period,
             measured_on, value, sample_size, sex, age_band, source, recorded_by_organisation_id,
             external_id, created_by, updated_by)
           SELECT tenant_id, indicator_id, project_id, community_id, $3, $4::date, value,
                  sample_size, sex, age_band, source, recorded_by_organisation_id,
                  external_id || '-' || $5, 'test', 'test'
             FROM measurements
            WHERE tenant_id = $1 AND project_id = $2 AND period = 'ENDLINE' AND deleted_at IS NULL`,
          [TJ, SEED_IDS.projects.TJ, period, day, suffix],
        );
      }
    });

    it('publishes the baseline, then one period per round: midline, routine quarter, endline', async () => {
      const result = resultXml(await exportTj(), violence)!;
      expect(result).toMatch(/<baseline year="2022" iso-date="2022-06-15"/);
      // Survey rounds over their fieldwork months, routine monitoring by quarter (both of its
      // measurements in one period); no calendar year.
      expect(periodsOf(result)).toEqual([
        '2024-06-01/2024-06-30',
        '2025-04-01/2025-06-30',
        '2026-06-01/2026-06-30',
      ]);
      expect(result).not.toContain('iso-date="2026-01-01"');
    });

    it('publishes approved measurements only', async () => {
      await server.db.dataSource.query(
        `UPDATE measurements SET approval_state = 'SUBMITTED'
          WHERE tenant_id = $1 AND period = 'MIDLINE'`,
        [TJ],
      );
      try {
        const result = resultXml(await exportTj(), violence)!;
        expect(periodsOf(result)).toEqual(['2025-04-01/2025-06-30', '2026-06-01/2026-06-30']);
      } finally {
        await server.db.dataSource.query(
          `UPDATE measurements SET approval_state = 'APPROVED'
            WHERE tenant_id = $1 AND period = 'MIDLINE'`,
          [TJ],
        );
      }
    });

    it('takes the strictest sharing agreement’s minimum cell size and deviations, expired ones included', async () => {
      const before = await exportTj();
      expect(resultXml(before, violence)).toBeDefined();
      // An agreement of the tenant (expired, for another recipient) with a larger k and larger
      // deviations than the tenant's and the defaults.
      const [agreement] = await server.db.dataSource.query<{ id: string }[]>(
        `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
           allowed_group_by, finest_level, min_cell_size, max_deviation, deviation_variance,
           value_deviation, valid_from, expires_at, approved_by, approved_at)
         SELECT tenant_id, recipient_organisation_id, indicator_ids, allowed_group_by,
                finest_level, 100000, 4, 2, 5, '2023-01-01', '2023-06-01', approved_by, approved_at
           FROM sharing_agreements WHERE id = $1
         RETURNING id`,
        [SEED_IDS.sharingAgreements.tjUnWomen],
      );
      try {
        // Every cell now rests on fewer respondents than its k: no result is published.
        const strict = await exportTj();
        expect(strict).not.toContain('<result ');
        expect(await IatiSchemaValidator.instance().validate(strict)).toEqual([]);
        // The cells' rules are the agreement's, read as the application role with the TJ
        // admin's settings.
        await server.db.dataSource.query(
          `UPDATE sharing_agreements SET min_cell_size = 10 WHERE id = $1`,
          [agreement!.id],
        );
        const client = await poolOf(server.db.dataSource).connect();
        try {
          await client.query('BEGIN');
          await client.query(setLocal('app.tenant_ids', TJ));
          await client.query(`SELECT set_config('role', '${APPLICATION_ROLE}', true)`);
          const { rows } = await client.query<{ k: number; d: number; v: string; dv: string }>(
            `SELECT DISTINCT min_cell_size AS k, max_deviation AS d, deviation_variance::text AS v,
                    value_deviation::text AS dv
               FROM iati_published_cells($1)`,
            [TJ],
          );
          expect(rows).toEqual([{ k: 10, d: 4, v: '2', dv: '5' }]);
          await client.query('ROLLBACK');
        } finally {
          // A failed statement leaves its transaction open: never return it to the pool so.
          await client.query('ROLLBACK');
          client.release();
        }
        // Revoked, it no longer counts: the default rules again, the same values as before.
        await server.db.dataSource.query(
          `UPDATE sharing_agreements SET revoked_at = now() WHERE id = $1`,
          [agreement!.id],
        );
        expect(resultXml(await exportTj(), violence)).toEqual(resultXml(before, violence));
      } finally {
        await server.db.dataSource.query(`DELETE FROM sharing_agreements WHERE id = $1`, [
          agreement!.id,
        ]);
      }
    });

    it('iati_published_cells refuses, as the application role, a request that does not read the whole tenant', async () => {
      const client = await poolOf(server.db.dataSource).connect();
      try {
        const refused: Record<string, string>[] = [
          { 'app.tenant_ids': SEED_IDS.tenants.KG },
          { 'app.tenant_ids': TJ, 'app.partner_tenant_ids': TJ },
          {},
        ];
        for (const settings of refused) {
          await client.query('BEGIN');
          for (const [name, value] of Object.entries(settings)) {
            await client.query(setLocal(name, value));
          }
          await client.query(`SELECT set_config('role', '${APPLICATION_ROLE}', true)`);
          await expect(
            client.query(`SELECT * FROM iati_published_cells($1)`, [TJ]),
          ).rejects.toMatchObject({ code: '42501' });
          await client.query('ROLLBACK');
        }
        // No tenant at all, with settings that read TJ in full.
        await client.query('BEGIN');
        await client.query(setLocal('app.tenant_ids', TJ));
        await client.query(`SELECT set_config('role', '${APPLICATION_ROLE}', true)`);
        await expect(
          client.query(`SELECT * FROM iati_published_cells(NULL)`),
        ).rejects.toMatchObject({ code: '42501' });
        await client.query('ROLLBACK');
      } finally {
        // A failed statement leaves its transaction open: never return it to the pool so.
        await client.query('ROLLBACK');
        client.release();
      }
    });
  });
});
