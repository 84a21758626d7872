import { startTestServer, type TestServer } from '../helpers/server';
import {
  CREATE_MEASUREMENT,
  errorOf,
  IDS,
  tjActivity,
  tjMeasurement,
  tokens,
} from '../helpers/writes';
import { DEMO_USERS } from '../../seeds/programme';

/*
 * The approval workflow end to end through the HTTP server (README "Approval and locks"): a
 * partner submits a quarter, the admin returns it with a comment, the partner fixes and
 * resubmits, the admin approves; every write path into the approved quarter then fails; summaries
 * count the quarter only once approved; the analyst never sees unapproved data; unapprove
 * reopens it; `history` tells the whole story.
 */

const QUARTER = { projectId: IDS.projects.TJ, date: '2026-07-01' };

const RESULT = `projectId date status code message activities measurements
  period { start end state version submittedBy approvedBy approvedAt returnedReason
           history { action fromState toState comment actor } }`;

const transition = (name: string) => `mutation ($input: PeriodTransitionInput!) {
  ${name}(input: $input) { ${RESULT} } }`;

const SUMMARIES = `query ($approval: SummaryApproval) {
  outcomeSummaries(filter: { tenants: ["TJ"], indicatorCodes: ["DV_PREVALENCE"] },
                   groupBy: [TENANT, INDICATOR], approval: $approval) {
    latest relativeChange sampleSize suppressed } }`;

const MEASUREMENT = `mutation ($input: UpdateMeasurementInput!) {
  updateMeasurement(input: $input) { id version value } }`;

type Result = {
  status: string;
  code: string | null;
  message: string | null;
  measurements: number;
  period: {
    state: string;
    submittedBy: string | null;
    approvedBy: string | null;
    returnedReason: string | null;
    history: { action: string; comment: string | null }[];
  } | null;
};

describe('the approval workflow over HTTP', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  let analyst: string;
  let draft: { id: string; version: number };
  let deleted: { id: string; version: number };

  beforeAll(async () => {
    server = await startTestServer();
    t = await tokens(server);
    analyst = await server.tokenFor(DEMO_USERS.unAnalyst.subject);
  });
  afterAll(() => server.close());

  const run = async (name: string, input: Record<string, unknown>, token: string) => {
    const res = await server.graphql<Record<string, Result>>(transition(name), { input }, token);
    expect(res.body.errors).toBeUndefined();
    return res.body.data![name]!;
  };
  const summaries = async (token: string, approval?: string) =>
    server.graphql<{ outcomeSummaries: { latest: number; relativeChange: number }[] }>(
      SUMMARIES,
      approval ? { approval } : {},
      token,
    );

  it('a partner records drafts in a new quarter: only ANY summaries count them, never the analyst', async () => {
    const approvedBefore = (await summaries(t.tjAdmin)).body.data!.outcomeSummaries;
    const analystBefore = (await summaries(analyst)).body;
    const created = await server.graphql<{ createMeasurement: { id: string; version: number } }>(
      CREATE_MEASUREMENT,
      {
        input: tjMeasurement({
          period: 'ENDLINE',
          measuredOn: '2026-08-10',
          value: 1,
          sampleSize: 40,
          externalId: 'approval-draft-1',
        }),
      },
      t.tjEditor,
    );
    expect(created.body.errors).toBeUndefined();
    draft = created.body.data!.createMeasurement;
    const doomed = await server.graphql<{ createMeasurement: { id: string; version: number } }>(
      CREATE_MEASUREMENT,
      { input: tjMeasurement({ measuredOn: '2026-07-20', externalId: 'approval-draft-2' }) },
      t.tjEditor,
    );
    const removed = await server.graphql<{ deleteMeasurement: { id: string; version: number } }>(
      `mutation ($input: DeleteProjectRowInput!) { deleteMeasurement(input: $input) { id version } }`,
      { input: { id: doomed.body.data!.createMeasurement.id, expectedVersion: 1 } },
      t.tjEditor,
    );
    deleted = removed.body.data!.deleteMeasurement;

    expect((await summaries(t.tjAdmin)).body.data!.outcomeSummaries).toEqual(approvedBefore);
    const any = (await summaries(t.tjAdmin, 'ANY')).body.data!.outcomeSummaries;
    expect(any[0]!.latest).not.toEqual(approvedBefore[0]!.latest);
    // The analyst: the same answer as before the draft, and ANY refused.
    expect((await summaries(analyst)).body).toEqual(analystBefore);
    expect(errorOf(await summaries(analyst, 'ANY'))?.code).toBe('FORBIDDEN');
  });

  it('only writers submit, only admins approve; the partner submits the quarter', async () => {
    const viewer = await server.graphql(transition('submitPeriod'), { input: QUARTER }, t.tjViewer);
    expect(errorOf(viewer)?.code).toBe('FORBIDDEN');
    const kg = await run('submitPeriod', QUARTER, t.kgAdmin);
    expect(kg).toMatchObject({ status: 'REFUSED', code: 'NOT_FOUND' });
    const early = await server.graphql(transition('approvePeriod'), { input: QUARTER }, t.tjEditor);
    expect(errorOf(early)?.code).toBe('FORBIDDEN');

    const submitted = await run('submitPeriod', QUARTER, t.tjEditor);
    expect(submitted).toMatchObject({ status: 'DONE', measurements: 2 });
    expect(submitted.period).toMatchObject({ state: 'SUBMITTED', approvedBy: null });
    expect(submitted.period!.submittedBy).toMatch(/^user:/);
    // Submitting again changes nothing.
    expect((await run('submitPeriod', QUARTER, t.tjEditor)).status).toBe('UNCHANGED');
  });

  it('the admin returns it with a comment; the partner fixes it and resubmits', async () => {
    const noComment = await run('returnPeriod', QUARTER, t.tjAdmin);
    expect(noComment).toMatchObject({ status: 'REFUSED', code: 'BAD_USER_INPUT' });
    const returned = await run(
      'returnPeriod',
      { ...QUARTER, comment: 'Sample size of Navobod looks wrong' },
      t.tjAdmin,
    );
    expect(returned.period).toMatchObject({
      state: 'RETURNED',
      returnedReason: 'Sample size of Navobod looks wrong',
    });
    const fixed = await server.graphql<{ updateMeasurement: { version: number } }>(
      MEASUREMENT,
      { input: { id: draft.id, expectedVersion: draft.version, value: 2 } },
      t.tjEditor,
    );
    expect(fixed.body.errors).toBeUndefined();
    draft = { id: draft.id, version: fixed.body.data!.updateMeasurement.version };
    expect((await run('submitPeriod', QUARTER, t.tjEditor)).period!.state).toBe('SUBMITTED');
  });

  it('the admin approves; the summaries count the quarter from now on', async () => {
    const before = (await summaries(t.tjAdmin)).body.data!.outcomeSummaries;
    const approved = await run('approvePeriod', QUARTER, t.tjAdmin);
    expect(approved).toMatchObject({ status: 'DONE', measurements: 2 });
    expect(approved.period).toMatchObject({ state: 'APPROVED', returnedReason: null });
    expect(approved.period!.approvedBy).toMatch(/^user:/);
    const after = (await summaries(t.tjAdmin)).body.data!.outcomeSummaries;
    expect(after[0]!.latest).not.toEqual(before[0]!.latest);
    expect(after).toEqual((await summaries(t.tjAdmin, 'ANY')).body.data!.outcomeSummaries);
    const audit = await server.db.dataSource.query<{ action: string }[]>(
      `SELECT action FROM audit_events WHERE entity_type = 'ReportingPeriod' ORDER BY occurred_at`,
    );
    expect(audit.map((a) => a.action)).toEqual([
      'PERIOD_SUBMIT',
      'PERIOD_RETURN',
      'PERIOD_SUBMIT',
      'PERIOD_APPROVE',
    ]);
  });

  it('every write path into the approved quarter fails, for the partner and the admin alike', async () => {
    for (const token of [t.tjEditor, t.tjAdmin]) {
      const create = await server.graphql(
        CREATE_MEASUREMENT,
        { input: tjMeasurement({ measuredOn: '2026-09-30' }) },
        token,
      );
      expect(errorOf(create)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });
      expect(create.body.errors![0]!.message).toMatch(/2026-07-01 to 2026-09-30.*approved/);
      const update = await server.graphql(
        MEASUREMENT,
        { input: { id: draft.id, expectedVersion: draft.version, value: 3 } },
        token,
      );
      expect(errorOf(update)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });
      // Moving the row out of the quarter is a change of the quarter too.
      const away = await server.graphql(
        MEASUREMENT,
        { input: { id: draft.id, expectedVersion: draft.version, measuredOn: '2026-10-01' } },
        token,
      );
      expect(errorOf(away)?.code).toBe('PERIOD_LOCKED');
      const remove = await server.graphql(
        `mutation ($input: DeleteProjectRowInput!) { deleteMeasurement(input: $input) { id } }`,
        { input: { id: draft.id, expectedVersion: draft.version } },
        token,
      );
      expect(errorOf(remove)?.code).toBe('PERIOD_LOCKED');
      const activity = await server.graphql(
        `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`,
        { input: tjActivity({ startDate: '2026-08-01', endDate: '2026-08-02' }) },
        token,
      );
      expect(errorOf(activity)?.code).toBe('PERIOD_LOCKED');
    }
    const restore = await server.graphql(
      `mutation ($input: RestoreRowInput!) { restoreMeasurement(input: $input) { id } }`,
      { input: { id: deleted.id, expectedVersion: deleted.version } },
      t.tjAdmin,
    );
    expect(errorOf(restore)).toEqual({ code: 'PERIOD_LOCKED', field: 'period' });

    const imported = await server.graphql<{
      importMeasurements: {
        applied: boolean;
        items: { status: string; field: string; message: string }[];
      };
    }>(
      `mutation ($input: ImportMeasurementsInput!) { importMeasurements(input: $input) {
         applied items { status field message } } }`,
      {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: 'approval-import-1',
          items: [
            tjMeasurement({ measuredOn: '2026-08-01', externalId: 'approval-import-locked' }),
            tjMeasurement({ measuredOn: '2026-10-05', externalId: 'approval-import-open' }),
            {
              ...tjMeasurement({ measuredOn: '2026-08-10', value: 9 }),
              externalId: 'approval-draft-1',
            },
          ],
        },
      },
      t.tjEditor,
    );
    expect(imported.body.errors).toBeUndefined();
    const items = imported.body.data!.importMeasurements.items;
    expect(items.map((i) => [i.status, i.field])).toEqual([
      ['INVALID', 'period'],
      ['CREATED', null],
      ['INVALID', 'period'],
    ]);
    expect(items[0]!.message).toMatch(
      /approved: it is read-only until a tenant admin unapproves it/,
    );
    const activities = await server.graphql<{
      importActivities: { items: { status: string; field: string }[] };
    }>(
      `mutation ($input: ImportActivitiesInput!) { importActivities(input: $input) {
         items { status field } } }`,
      {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: 'approval-import-2',
          items: [
            {
              ...tjActivity({ startDate: '2026-08-01', endDate: '2026-08-01' }),
              externalId: 'a-locked',
            },
          ],
        },
      },
      t.tjEditor,
    );
    expect(activities.body.data!.importActivities.items).toEqual([
      { status: 'INVALID', field: 'period' },
    ]);
    const [stored] = await server.db.dataSource.query<{ value: string }[]>(
      `SELECT value::text FROM measurements WHERE id = $1`,
      [draft.id],
    );
    expect(Number(stored!.value)).toBe(2);
  });

  it('an organisation may not approve what it submitted when others take part (configurable)', async () => {
    const own = { projectId: IDS.projects.TJ, date: '2026-10-15' };
    expect((await run('submitPeriod', own, t.tjAdmin)).status).toBe('DONE');
    const refused = await run('approvePeriod', own, t.tjAdmin);
    expect(refused).toMatchObject({ status: 'REFUSED', code: 'FORBIDDEN' });
    const settings = await server.graphql(
      `mutation { updateApprovalSettings(input: { tenantCode: "TJ", selfApproval: ALWAYS }) {
         selfApproval } }`,
      {},
      t.tjAdmin,
    );
    expect(settings.body.errors).toBeUndefined();
    expect((await run('approvePeriod', own, t.tjAdmin)).status).toBe('DONE');
    // A partner may not change the settings.
    const partner = await server.graphql(
      `mutation { updateApprovalSettings(input: { tenantCode: "TJ", selfApproval: NEVER }) {
         selfApproval } }`,
      {},
      t.tjEditor,
    );
    expect(errorOf(partner)?.code).toBe('FORBIDDEN');
  });

  it('unapprove (with a reason) reopens the quarter; history tells the whole story to the partner', async () => {
    const byPartner = await server.graphql(
      transition('unapprovePeriod'),
      {
        input: { ...QUARTER, comment: 'x' },
      },
      t.tjEditor,
    );
    expect(errorOf(byPartner)?.code).toBe('FORBIDDEN');
    const reopened = await run(
      'unapprovePeriod',
      { ...QUARTER, comment: 'Donor found a typo' },
      t.tjAdmin,
    );
    expect(reopened.period).toMatchObject({
      state: 'RETURNED',
      returnedReason: 'Donor found a typo',
    });
    const update = await server.graphql<{ updateMeasurement: { version: number } }>(
      MEASUREMENT,
      { input: { id: draft.id, expectedVersion: draft.version, value: 3 } },
      t.tjEditor,
    );
    expect(update.body.errors).toBeUndefined();

    const history = await server.graphql<{
      measurements: {
        nodes: {
          id: string;
          reportingPeriod: { state: string };
          history: { action: string; comment: string | null; actor: string }[];
        }[];
      };
    }>(
      `query { measurements(first: 5, filter: { projectIds: ["${IDS.projects.TJ}"] },
                                orderBy: { field: MEASURED_ON, direction: DESC }) {
         nodes { id reportingPeriod { state } history { action comment actor } } } }`,
      {},
      t.tjEditor,
    );
    expect(history.body.errors).toBeUndefined();
    const node = history.body.data!.measurements.nodes.find((n) => n.id === draft.id)!;
    expect(node.reportingPeriod.state).toBe('RETURNED');
    expect(node.history.map((h) => [h.action, h.comment])).toEqual([
      ['CREATE', null],
      ['PERIOD_SUBMIT', null],
      ['PERIOD_RETURN', 'Sample size of Navobod looks wrong'],
      ['UPDATE', null],
      ['PERIOD_SUBMIT', null],
      ['PERIOD_APPROVE', null],
      ['PERIOD_UNAPPROVE', 'Donor found a typo'],
      ['UPDATE', null],
    ]);
    // A partner of another project reads no history of it.
    const other = await server.graphql<{ measurements: { nodes: { id: string }[] } }>(
      `query { measurements(first: 50) { nodes { id } } }`,
      {},
      t.tjPilotEditor,
    );
    expect(other.body.data!.measurements.nodes.map((n) => n.id)).not.toContain(draft.id);
  });
});
