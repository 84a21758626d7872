import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Tenant admins create, list and revoke sharing agreements for their own tenants, within the
 * rules (never by community, never a smaller cell than the tenant's default, perturbation
 * within bounds); and readers of rows summarise what they may read exactly, protected only
 * when they ask for a preview, which then shows what the recipient gets.
 */

const O = SEED_IDS.organisations;

const FIELDS = `id tenant { code } recipientOrganisation { id name } indicators { code }
  allowedGroupBy finestLevel minCellSize validFrom expiresAt approvedBy revokedAt inForce version
  perturbation { maxDeviation deviationVariance valueDeviation }`;
const CREATE = `mutation ($input: CreateSharingAgreementInput!) {
  createSharingAgreement(input: $input) { sharingAgreement { ${FIELDS} } } }`;
const REVOKE = `mutation ($input: RevokeSharingAgreementInput!) {
  revokeSharingAgreement(input: $input) { sharingAgreement { ${FIELDS} } } }`;
const LIST = `{ sharingAgreements(first: 100) { totalCount nodes { ${FIELDS} } } }`;
const SUMMARIES = `query ($filter: OutcomeFilter, $groupBy: [OutcomeDimension!]!, $agreementId: UUID, $preview: Boolean) {
  outcomeSummaries(filter: $filter, groupBy: $groupBy, agreementId: $agreementId, preview: $preview) {
    indicator { code } tenant { code } region community { name } project { code }
    baseline latest relativeChange foldChange sampleSize communities suppressed suppressionReason
    disclosure { maxDeviation } } }`;

type Agreement = {
  id: string;
  tenant: { code: string };
  indicators: { code: string }[];
  allowedGroupBy: string[];
  finestLevel: string;
  minCellSize: number;
  inForce: boolean;
  revokedAt: string | null;
  version: number;
};
type Summary = {
  indicator: { code: string };
  tenant: { code: string } | null;
  region: string | null;
  community: { name: string } | null;
  relativeChange: number | null;
  foldChange: number | null;
  sampleSize: number | null;
  communities: number | null;
  suppressed: boolean;
  suppressionReason: string | null;
  disclosure: { maxDeviation: number } | null;
};

const validInput = (overrides: Record<string, unknown> = {}) => ({
  tenant: 'TJ',
  recipientOrganisationId: O.ukGovernment,
  indicatorCodes: ['DV_PREVALENCE'],
  allowedGroupBy: ['TENANT', 'REGION'],
  ...overrides,
});

describe('sharing agreements and summaries for readers of rows', () => {
  let server: TestServer;
  const token: Record<string, string> = {};

  beforeAll(async () => {
    server = await startTestServer();
    for (const user of ['tjAdmin', 'kgAdmin', 'tjEditor', 'tjViewer', 'unAnalyst'] as const) {
      token[user] = await server.tokenFor(DEMO_USERS[user].subject);
    }
  });
  afterAll(() => server.close());

  const create = (input: Record<string, unknown>, as = token.tjAdmin!) =>
    server.graphql<{ createSharingAgreement: { sharingAgreement: Agreement } }>(
      CREATE,
      { input },
      as,
    );
  const summaries = (as: string, variables: Record<string, unknown>) =>
    server.graphql<{ outcomeSummaries: Summary[] }>(SUMMARIES, variables, as);

  it('a TJ admin creates an agreement; its finest level follows the groupings, k the tenant default', async () => {
    const response = await create(validInput());
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createSharingAgreement.sharingAgreement).toMatchObject({
      tenant: { code: 'TJ' },
      indicators: [{ code: 'DV_PREVALENCE' }],
      allowedGroupBy: ['TENANT', 'REGION'],
      finestLevel: 'REGION',
      minCellSize: 10,
      inForce: true,
      revokedAt: null,
      perturbation: { maxDeviation: 2, deviationVariance: 1, valueDeviation: 2 },
    });
    const [audit] = await server.db.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE entity_id = $1`,
      [response.body.data!.createSharingAgreement.sharingAgreement.id],
    );
    expect(audit).toEqual({ action: 'CREATE' });
  });

  it.each([
    ['allowedGroupBy', { allowedGroupBy: ['TENANT', 'COMMUNITY'] }],
    ['minCellSize', { minCellSize: 5 }],
    ['indicatorCodes', { indicatorCodes: ['NO_SUCH_INDICATOR'] }],
    [
      'recipientOrganisationId',
      { recipientOrganisationId: '00000000-0000-4000-8000-000000000000' },
    ],
    ['expiresAt', { expiresAt: new Date(Date.now() - 1000).toISOString() }],
    ['perturbation.maxDeviation', { perturbation: { maxDeviation: 0 } }],
    ['perturbation.deviationVariance', { perturbation: { maxDeviation: 1, deviationVariance: 2 } }],
    ['perturbation.valueDeviation', { perturbation: { valueDeviation: 0 } }],
  ])(
    'refuses an agreement with a bad %s as BAD_USER_INPUT naming the field',
    async (field, change) => {
      const response = await create(validInput(change));
      expect(response.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
      expect(response.body.data).toBeNull();
    },
  );

  it('a TJ admin chooses the perturbation, and the agreement keeps it', async () => {
    const perturbation = { maxDeviation: 3, deviationVariance: 2, valueDeviation: 4 };
    const response = await create(validInput({ perturbation }));
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data!.createSharingAgreement.sharingAgreement).toMatchObject({
      perturbation,
    });
  });

  it('a KG admin cannot create one for TJ, nor list or revoke TJ’s', async () => {
    const created = await create(validInput(), token.kgAdmin);
    expect(created.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listed = await server.graphql<{ sharingAgreements: { nodes: Agreement[] } }>(
      LIST,
      {},
      token.kgAdmin,
    );
    expect(listed.body.data!.sharingAgreements.nodes.map((a) => a.tenant.code)).not.toContain('TJ');
    const revoked = await server.graphql(
      REVOKE,
      { input: { id: SEED_IDS.sharingAgreements.tjUnWomen } },
      token.kgAdmin,
    );
    expect(revoked.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('partners and analysts may not manage agreements', async () => {
    for (const as of [token.tjEditor!, token.unAnalyst!]) {
      expect((await create(validInput(), as)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const listed = await server.graphql<{ sharingAgreements: unknown }>(LIST, {}, as);
      expect(listed.body.data?.sharingAgreements ?? null).toBeNull();
    }
  });

  it('a TJ admin lists and revokes; revoking stops the recipient on its next request', async () => {
    const listed = await server.graphql<{ sharingAgreements: { nodes: Agreement[] } }>(
      LIST,
      {},
      token.tjAdmin,
    );
    expect(listed.body.data!.sharingAgreements.nodes.map((a) => a.id)).toContain(
      SEED_IDS.sharingAgreements.tjUnWomen,
    );
    const query = {
      filter: { tenants: ['TJ'], indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['TENANT'],
    };
    expect((await summaries(token.unAnalyst!, query)).body.errors).toBeUndefined();
    const revoked = await server.graphql<{
      revokeSharingAgreement: { sharingAgreement: Agreement };
    }>(REVOKE, { input: { id: SEED_IDS.sharingAgreements.tjUnWomen } }, token.tjAdmin);
    expect(revoked.body.data!.revokeSharingAgreement.sharingAgreement).toMatchObject({
      inForce: false,
      version: 2,
    });
    const after = await summaries(token.unAnalyst!, query);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const again = await server.graphql(
      REVOKE,
      { input: { id: SEED_IDS.sharingAgreements.tjUnWomen } },
      token.tjAdmin,
    );
    expect(again.body.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await server.db.dataSource.query(
      `UPDATE sharing_agreements SET revoked_at = NULL WHERE id = $1`,
      [SEED_IDS.sharingAgreements.tjUnWomen],
    );
  });

  it('a TJ admin summarises its own rows by community, unsuppressed', async () => {
    const response = await summaries(token.tjAdmin!, {
      filter: { indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['COMMUNITY'],
    });
    expect(response.body.errors).toBeUndefined();
    const rows = response.body.data!.outcomeSummaries;
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      expect(row).toMatchObject({ suppressed: false, communities: 1, relativeChange: -0.5 });
      expect(row.community?.name).toEqual(expect.any(String));
    }
  });

  it('a TJ admin’s own summaries are exact; preview: true protects them with the defaults, never by community', async () => {
    const query = {
      filter: { tenants: ['TJ'], indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['REGION'],
    };
    const exact = (await summaries(token.tjAdmin!, query)).body.data!.outcomeSummaries;
    expect(exact.map((r) => [r.region, r.sampleSize, r.suppressed, r.disclosure])).toEqual([
      ['Khatlon', 160, false, null],
      ['Sughd', 40, false, null],
    ]);
    const preview = await summaries(token.tjAdmin!, { ...query, preview: true });
    expect(preview.body.errors).toBeUndefined();
    expect(
      preview.body.data!.outcomeSummaries.map((r) => [r.region, r.suppressed, r.disclosure]),
    ).toEqual([
      ['Khatlon', false, { maxDeviation: 2 }],
      ['Sughd', true, { maxDeviation: 2 }],
    ]);
    const byCommunity = await summaries(token.tjAdmin!, {
      filter: { indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['COMMUNITY'],
      preview: true,
    });
    expect(byCommunity.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('preview with an agreement shares exactly what the analyst sees, perturbation included', async () => {
    const query = {
      filter: { tenants: ['TJ'], indicatorCodes: ['DV_PREVALENCE', 'FAMILY_SAVINGS'] },
      groupBy: ['REGION'],
    };
    const preview = await summaries(token.tjAdmin!, {
      ...query,
      preview: true,
      agreementId: SEED_IDS.sharingAgreements.tjUnWomen,
    });
    const shared = await summaries(token.unAnalyst!, query);
    expect(preview.body.errors).toBeUndefined();
    expect(preview.body.data).toEqual(shared.body.data);
    // And what the agreement would refuse, the preview refuses.
    const refused = await summaries(token.tjAdmin!, {
      ...query,
      groupBy: ['COMMUNITY'],
      preview: true,
      agreementId: SEED_IDS.sharingAgreements.tjUnWomen,
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a KG admin cannot preview TJ’s agreement', async () => {
    const response = await summaries(token.kgAdmin!, {
      groupBy: ['TENANT'],
      preview: true,
      agreementId: SEED_IDS.sharingAgreements.tjUnWomen,
    });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('a TJ partner summarises only its own projects, and never another tenant', async () => {
    const own = await summaries(token.tjViewer!, {
      filter: { indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: ['TENANT', 'PROJECT'],
    });
    expect(own.body.errors).toBeUndefined();
    const visible = await server.graphql<{ projects: { nodes: { code: string }[] } }>(
      '{ projects(first: 100) { nodes { code } } }',
      {},
      token.tjViewer,
    );
    const codes = visible.body.data!.projects.nodes.map((p) => p.code);
    for (const row of own.body.data!.outcomeSummaries as (Summary & {
      project: { code: string } | null;
    })[]) {
      expect(codes).toContain(row.project?.code);
    }
    const kg = await summaries(token.tjViewer!, { filter: { tenants: ['KG'] }, groupBy: [] });
    expect(kg.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
