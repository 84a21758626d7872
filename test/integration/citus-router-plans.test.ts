import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { Lookup, RequestTransaction } from '../../src/db/request-transaction';
import { onCitus } from '../helpers/citus';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * On a Citus cluster (CITUS_WORKER_URLS set, see docs/scaling.md): every SQL statement a
 * one-tenant request sends — its preamble included — is routed to that tenant's shard group.
 *
 * Each GraphQL operation below is sent for real while its statements are recorded. Every
 * statement is then, in a transaction opened as the same principal, (1) EXPLAINed: each Citus
 * scan in its plan must have a single task; and (2) run again with Citus logging the commands
 * it sends to the shards (`citus.log_remote_commands`, `citus.log_local_commands`): the
 * hash-distributed shards it names must all belong to one shard group, the tenant's. That also
 * covers the statements inside the database functions a request calls (the principal lookup,
 * outcome_cells), which EXPLAIN cannot see into. Reference tables (a copy on every node) do
 * not count. Cross-tenant reads of a platform admin and of an aggregate analyst fan out to the
 * shard groups of their tenants, and the test says so.
 *
 * Set ROUTER_PLAN_REPORT=1 to print what each operation touched.
 */
const P = SEED_IDS.projects;
const T = SEED_IDS.tenants;

type Recorded = { text: string; values: unknown[] };
type Evidence = { statements: number; maxTasks: number; groups: Set<string> };

(onCitus ? describe : describe.skip)('router plans on a Citus cluster', () => {
  let server: TestServer;
  /** Shard id → its hash range's lower bound (its shard group), for hash-distributed shards. */
  let groupOf: Map<string, string>;
  /** The shard group of each tenant. */
  let tenantGroup: Map<string, string>;
  let recording: { preamble: string[]; statements: Recorded[] } | null = null;

  beforeAll(async () => {
    server = await startTestServer();
    const shards = await server.db.dataSource.query<{ shardid: string; minvalue: string }[]>(
      `SELECT s.shardid::text, s.shardminvalue AS minvalue
         FROM pg_dist_shard s JOIN pg_dist_partition p USING (logicalrelid)
        WHERE p.partmethod = 'h'`,
    );
    groupOf = new Map(shards.map((s) => [s.shardid, s.minvalue]));
    const tenants = await server.db.dataSource.query<{ id: string; minvalue: string }[]>(
      `SELECT t.id, s.shardminvalue AS minvalue FROM tenants t
         JOIN pg_dist_shard s ON s.shardid = get_shard_id_for_distribution_column('projects', t.id)`,
    );
    tenantGroup = new Map(tenants.map((t) => [t.id, t.minvalue]));
    // The fixture means something only if tenants live in different shard groups.
    expect(new Set(tenantGroup.values()).size).toBeGreaterThan(1);

    const open = RequestTransaction.open.bind(RequestTransaction);
    jest.spyOn(RequestTransaction, 'open').mockImplementation((pool, preamble, deadline) => {
      recording?.preamble.push(...preamble);
      return open(pool, preamble, deadline);
    });
    // Called below with the transaction as `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const query = RequestTransaction.prototype.query;
    jest.spyOn(RequestTransaction.prototype, 'query').mockImplementation(function (
      this: RequestTransaction,
      text: string,
      values?: unknown[],
    ) {
      // A statement with a Lookup among its values is sent as the lookup's statement and then
      // itself with the answer, each through here again: those two are what the server runs.
      if (!values?.some((value) => value instanceof Lookup)) {
        recording?.statements.push({ text, values: values ?? [] });
      }
      return query.call(this, text, values);
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await server?.close();
  });

  /** Every "Task Count" in a Citus EXPLAIN (JSON) plan. */
  function taskCounts(plan: unknown): number[] {
    if (Array.isArray(plan)) return plan.flatMap(taskCounts);
    if (plan === null || typeof plan !== 'object') return [];
    return Object.entries(plan).flatMap(([key, value]) =>
      key === 'Task Count' ? [Number(value)] : taskCounts(value),
    );
  }

  /** The shard groups of the hash-distributed shards named in Citus's command log. */
  function groupsIn(notices: string[]): string[] {
    return notices.flatMap((notice) =>
      [...notice.matchAll(/\b[a-z_]+_(\d{6,})\b/g)].flatMap(([, id]) => {
        const group = groupOf.get(id!);
        return group === undefined ? [] : [group];
      }),
    );
  }

  /**
   * Replays one request's statements as its principal, in a transaction as the request's, with
   * Citus logging what it sends: (1) running each (for the commands functions send); (2)
   * EXPLAINing each, in a transaction of its own (an EXPLAIN of a reference table's read
   * makes Citus execute locally, which a later statement's remote reads then may not switch
   * from: "cannot switch local execution status").
   */
  async function analyse(preamble: string[], statements: Recorded[]): Promise<Evidence> {
    const client: PoolClient = await poolOf(server.db.dataSource).connect();
    const notices: string[] = [];
    const onNotice = (notice: { message?: string }) => notices.push(notice.message ?? '');
    client.on('notice', onNotice);
    const tasks: number[] = [];
    const groups: Set<string>[] = [];
    const asRequest = async () => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL citus.log_remote_commands = on`);
      await client.query(`SET LOCAL citus.log_local_commands = on`);
      for (const statement of preamble) await client.query(statement);
      await client.query(`SELECT set_config('role', 'dg_app', true)`);
    };
    try {
      await asRequest();
      for (const { text, values } of statements) {
        const seen = notices.length;
        // A write the original request already made may now break a constraint once sent,
        // which changes nothing of where it was sent; any other failure hides evidence.
        await client.query('SAVEPOINT replay');
        await client.query(text, values).catch((error: { code?: string }) => {
          if (!error.code?.startsWith('23')) throw error;
        });
        await client.query('ROLLBACK TO SAVEPOINT replay');
        groups.push(new Set(groupsIn(notices.slice(seen))));
      }
      await client.query('ROLLBACK');
      await asRequest();
      for (const { text, values } of statements) {
        const [plan] = (
          await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${text}`, values)
        ).rows;
        tasks.push(Math.max(0, ...taskCounts(plan!['QUERY PLAN'])));
      }
    } finally {
      await client.query('ROLLBACK');
      client.removeListener('notice', onNotice);
      client.release();
    }
    if (process.env.ROUTER_PLAN_REPORT) {
      statements.forEach(({ text }, i) => {
        if (tasks[i]! <= 1 && groups[i]!.size <= 1) return;
        process.stdout.write(
          `  ${tasks[i]} task(s), ${groups[i]!.size} shard group(s): ${text.replace(/\s+/g, ' ').slice(0, 300)}\n`,
        );
      });
    }
    return {
      statements: preamble.length + statements.length,
      maxTasks: Math.max(0, ...tasks),
      groups: new Set(groupsIn(notices)),
    };
  }

  /** Sends one GraphQL operation and returns what its statements touched. */
  async function evidenceOf(
    label: string,
    subject: string,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<Evidence> {
    recording = { preamble: [], statements: [] };
    const res = await server.graphql(query, variables, await server.tokenFor(subject));
    const { preamble, statements } = recording;
    recording = null;
    expect({ label, errors: res.body.errors }).toEqual({ label, errors: undefined });
    expect(preamble.length).toBeGreaterThan(0);
    const evidence = await analyse(preamble, statements);
    if (process.env.ROUTER_PLAN_REPORT) {
      process.stdout.write(
        `${label}: ${evidence.statements} statements, at most ${evidence.maxTasks} task(s) per Citus scan, ${evidence.groups.size} shard group(s)\n`,
      );
    }
    return evidence;
  }

  const tjAdmin = DEMO_USERS.tjAdmin.subject;
  const tjEditor = DEMO_USERS.tjEditor.subject;

  /** A one-tenant request: its label, who sends it, the operation and its variables. */
  type Case = {
    label: string;
    subject: string;
    query: string;
    variables?: Record<string, unknown>;
  };
  // Objects, not arrays: jest's `it.each` passes a row shorter than the callback's parameters
  // a `done` callback in the missing place, and then waits for it (a row without variables
  // waited out the test's timeout after its checks had passed).
  const ONE_TENANT: Case[] = [
    {
      label: 'me',
      subject: tjAdmin,
      query: `{ me { id kind memberships { role tenant { code } } } }`,
    },
    {
      label: 'projects, nested pages of communities, activities and measurements',
      subject: tjAdmin,
      query: `{ projects(first: 10) { totalCount nodes { id name
          communities(first: 10) { totalCount nodes { id name
            activities(first: 5) { totalCount nodes { id title } } } }
          measurements(first: 5) { totalCount nodes { id value } } } } }`,
    },
    {
      label: 'lists of communities, activities, measurements and indicators',
      subject: tjAdmin,
      query: `{ communities(first: 20) { totalCount nodes { id } }
         activities(first: 20, orderBy: { field: START_DATE, direction: DESC }) { totalCount nodes { id } }
         measurements(first: 20) { totalCount nodes { id indicator { code } } }
         indicators(first: 20) { totalCount nodes { code } } }`,
    },
    {
      label: 'administration lists',
      subject: tjAdmin,
      query: `{ memberships(first: 20) { totalCount nodes { role user { email } } }
         auditEvents(first: 20) { totalCount nodes { action } }
         apiKeys(first: 20) { totalCount nodes { name } }
         sharingAgreements(first: 20) { totalCount nodes { id } } }`,
    },
    {
      label: 'lookups by id',
      subject: tjAdmin,
      query: `query ($project: UUID!, $community: UUID!, $activity: UUID!) {
         project(id: $project) { id name communities(first: 3) { nodes { id } } }
         community(id: $community) { id name }
         activity(id: $activity) { id project { id } } }`,
      variables: {
        project: P.TJ,
        community: SEED_IDS.communities.tjDusti,
        activity: Object.values(SEED_IDS.activities)[0],
      },
    },
    // The indexed title search is looked up in a statement of its own (search_activity_ids),
    // at the top level, in nested pages, in a community's prefetched page and for a partner.
    {
      label: 'activity title searches',
      subject: tjAdmin,
      query: `{ activities(first: 10, filter: { search: "training" }) { totalCount nodes { id } }
         projects(first: 3) { nodes { activities(first: 3, filter: { search: "session" }) {
           totalCount nodes { id } } } }
         communities(first: 3) { nodes { activities(first: 3, filter: { search: "qoshrabot" }) {
           nodes { id } } } } }`,
    },
    {
      label: 'filtered lists',
      subject: tjAdmin,
      query: `query ($project: UUID!, $community: UUID!, $organisation: UUID!) {
         projects(first: 5, filter: { organisationIds: [$organisation], search: "prevention" }) {
           totalCount nodes { id } }
         communities(first: 5, filter: { projectIds: [$project], search: "dusti" }) {
           totalCount nodes { id } }
         activities(first: 5, filter: { projectIds: [$project], communityIds: [$community],
           types: [TRAINING], from: "2020-01-01", to: "2030-01-01" }) { totalCount nodes { id } }
         measurements(first: 5, filter: { projectIds: [$project] }) { totalCount nodes { id } }
         indicators(first: 5, filter: { search: "violence" }) { totalCount nodes { code } } }`,
      variables: {
        project: P.TJ,
        community: SEED_IDS.communities.tjDusti,
        organisation: SEED_IDS.organisations.tjWomenRights,
      },
    },
    // A partner reads its projects' rows only: the rows' tenant is named beside the projects'
    // sub-query, which Citus cannot prune by.
    {
      label: 'lists, nested pages and lookups of a partner',
      subject: tjEditor,
      query: `query ($activity: UUID!) {
         projects(first: 5) { totalCount nodes { id
           communities(first: 5) { totalCount nodes { id activities(first: 3) { nodes { id } } } }
           measurements(first: 5) { totalCount nodes { id } } } }
         communities(first: 10) { totalCount nodes { id } }
         activities(first: 10) { totalCount nodes { id community { id } } }
         measurements(first: 10) { totalCount nodes { id } }
         activity(id: $activity) { id project { id } } }`,
      variables: { activity: Object.values(SEED_IDS.activities)[0] },
    },
    {
      label: 'an activity title search of a partner',
      subject: tjEditor,
      query: `{ activities(first: 10, filter: { search: "training" }) { totalCount nodes { id } } }`,
    },
    {
      label: 'a project created',
      subject: tjAdmin,
      query: `mutation { createProject(input: { tenantCode: "TJ", code: "ROUTER-1", name: "Router plans",
          startDate: "2025-01-01" }) { id version } }`,
    },
    {
      label: 'an activity created by a partner',
      subject: tjEditor,
      query: `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`,
      variables: {
        input: {
          projectId: P.TJ,
          type: 'TRAINING',
          title: 'Router plans',
          startDate: '2025-02-01',
          participants: { female: 4, male: 2, other: 0 },
        },
      },
    },
    {
      label: 'measurements imported by a partner (summary maintenance included)',
      subject: tjEditor,
      query: `mutation ($input: ImportMeasurementsInput!) {
         importMeasurements(input: $input) { created invalid } }`,
      variables: {
        input: {
          tenantCode: 'TJ',
          idempotencyKey: 'router-plans',
          items: [1, 2, 3].map((n) => ({
            externalId: `router-${n}`,
            indicatorId: SEED_IDS.indicators.DV_PREVALENCE,
            projectId: P.TJ,
            communityId: SEED_IDS.communities.tjDusti,
            period: 'ROUTINE',
            measuredOn: `2025-03-0${n}`,
            value: 10 + n,
            sampleSize: 30,
          })),
        },
      },
    },
    // Summaries are read by one call of outcome_cells, a SECURITY DEFINER function whose
    // statements name the request's tenants: from the kept totals, the kept series, or the
    // rows of a date window.
    {
      label: 'outcome summaries of a tenant admin, by tenant (kept totals)',
      subject: tjAdmin,
      query: `{ outcomeSummaries(filter: { tenants: ["TJ"] }, groupBy: [TENANT, SEX]) {
           indicator { code } baseline latest } }`,
    },
    {
      label: 'outcome summaries of a tenant admin, by project (kept series)',
      subject: tjAdmin,
      query: `{ outcomeSummaries(filter: { tenants: ["TJ"] }, groupBy: [PROJECT]) {
           indicator { code } project { code name } baseline latest } }`,
    },
    {
      label: 'outcome summaries of a tenant admin in a date window (rows)',
      subject: tjAdmin,
      query: `{ outcomeSummaries(filter: { tenants: ["TJ"], from: "2020-01-01", to: "2026-12-31" },
           groupBy: [PROJECT, YEAR]) { indicator { code } project { code } baseline latest } }`,
    },
    {
      label: 'outcome summaries of a partner, by community',
      subject: tjEditor,
      query: `{ outcomeSummaries(groupBy: [COMMUNITY]) { indicator { code } baseline latest } }`,
    },
  ];

  it.each(ONE_TENANT)(
    'a one-tenant request is routed to its tenant’s shard group: $label',
    async ({ label, subject, query, variables }) => {
      const evidence = await evidenceOf(label, subject, query, variables);
      expect({ label, maxTasks: evidence.maxTasks }).toEqual({
        label,
        maxTasks: Math.min(evidence.maxTasks, 1),
      });
      expect({ label, groups: [...evidence.groups] }).toEqual({
        label,
        groups: evidence.groups.size === 0 ? [] : [tenantGroup.get(T.TJ)],
      });
    },
  );

  it('the tests above saw shards at all (the command log is read)', async () => {
    const evidence = await evidenceOf(
      'projects of the TJ admin',
      tjAdmin,
      `{ projects(first: 5) { nodes { id } } }`,
    );
    expect([...evidence.groups]).toEqual([tenantGroup.get(T.TJ)]);
  });

  it('a platform admin’s list of every tenant fans out to the shard groups of all tenants (and says so)', async () => {
    const evidence = await evidenceOf(
      'projects of the platform admin',
      DEMO_USERS.platformAdmin.subject,
      `{ projects(first: 50) { totalCount nodes { id } } }`,
    );
    expect(evidence.maxTasks).toBeGreaterThan(1);
    expect(evidence.groups).toEqual(new Set(tenantGroup.values()));
  });

  it('an aggregate analyst’s summaries read the shard groups of the tenants sharing with it (and say so)', async () => {
    const evidence = await evidenceOf(
      'outcome summaries of an aggregate analyst',
      DEMO_USERS.unAnalyst.subject,
      `{ outcomeSummaries(groupBy: [TENANT]) { indicator { code } suppressed } }`,
    );
    // The seeded agreement shares TJ only; finding the agreements naming the analyst's
    // organisation looks in every tenant's shards.
    expect(evidence.groups.has(tenantGroup.get(T.TJ)!)).toBe(true);
  });
});
