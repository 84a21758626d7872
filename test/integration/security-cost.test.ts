import {
  type GraphQLField,
  type GraphQLObjectType,
  getNamedType,
  getNullableType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
} from 'graphql';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { LIST_MAXIMUMS, queryCost } from '../../src/limits/query-limits';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * The query-cost limit counts every list: for each list of objects in the schema a query is
 * generated that selects it (reached from the root through fields needing no argument), run
 * on the seed data by a platform admin, and the objects its answer holds are compared with
 * the estimate the limit charged. A list the estimate counted once while it returned many
 * (outcomeSummaries did) fails here; so does a new list field nobody gave a maximum.
 */

type Field = GraphQLField<unknown, unknown>;

const isObjectList = (field: Field) =>
  isListType(getNullableType(field.type)) && !isLeafType(getNamedType(field.type));
const needsArguments = (field: Field) =>
  field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);

/** Arguments that make a list answer as many items as the seed allows. */
const ARGUMENTS: Readonly<Record<string, string>> = {
  'Query.outcomeSummaries': '(groupBy: [TENANT, INDICATOR, PROJECT, COMMUNITY])',
  // The bulk transitions over several periods of the TJ project (quarters the seed holds no
  // rows in), each with a comment so that returning and unapproving are not refused for it.
  ...Object.fromEntries(
    ['submitPeriods', 'approvePeriods', 'returnPeriods', 'unapprovePeriods'].map((name) => [
      `Mutation.${name}`,
      `(input: { comment: "Cost test", periods: [${['2023-02-01', '2023-05-01', '2023-08-01']
        .map((date) => `{ projectId: "${SEED_IDS.projects.TJ}", date: "${date}" }`)
        .join(', ')}] })`,
    ]),
  ),
  'Query.enumLabels': '(enum: ActivityType)',
};

/**
 * Types reachable only through a root field with required arguments: the field reaching each
 * (the webhook endpoint is made, and given deliveries with attempts, in beforeAll). The types
 * below them are then reached as from any other.
 */
const ARGUMENT_ENTRIES = (
  fixture: Readonly<{ endpointId: string; jobId: string }>,
): Readonly<Record<string, (selection: string) => string>> => ({
  // The first page of the feed, without `first` (its default): the seed's TJ rows as upserts.
  ChangePage: (selection) => `{ changes(tenantCode: "TJ") ${selection} }`,
  WebhookDeliveryConnection: (selection) =>
    `{ webhookDeliveries(endpointId: "${fixture.endpointId}") ${selection} }`,
  ImportJob: (selection) => `{ importJob(id: "${fixture.jobId}") ${selection} }`,
});

/** Lists reachable only through a mutation with required input: the operation reaching each. */
const MUTATION_ENTRIES: Readonly<Record<string, (selection: string) => string>> = {
  ImportResult: (selection) => `mutation { importActivities(input: {
    tenantCode: "TJ", idempotencyKey: "cost-test", dryRun: true,
    items: [${[1, 2, 3]
      .map(
        (i) => `{ externalId: "cost-${i}", projectId: "${SEED_IDS.projects.TJ}", type: TRAINING,
           title: "Cost ${i}", startDate: "2024-05-0${i}" }`,
      )
      .join(', ')}] }) ${selection} }`,
  // Sets the TJ project's Russian name to the seed's own: the answer lists every stored
  // translation of the name (Russian and Tajik).
  SetTranslationsPayload: (selection) => `mutation { setTranslations(input: {
    entity: PROJECT, id: "${SEED_IDS.projects.TJ}", field: NAME,
    values: [{ language: "ru", value: "Жизнь с достоинством" }] }) ${selection} }`,
};

/** Leaves, and one level of objects (by __typename), of a type: the items of a list. */
function selectionOf(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).filter((f) => !needsArguments(f));
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).map((f) => f.name);
  const objects = fields
    .filter((f) => !isLeafType(getNamedType(f.type)))
    .map((f) => `${f.name} { __typename }`);
  return `{ __typename ${[...leaves, ...objects].join(' ')} }`;
}

/** How many JSON objects an answer holds, its `data` object included. */
function objectsIn(value: unknown): number {
  if (Array.isArray(value)) return value.reduce<number>((n, item) => n + objectsIn(item), 0);
  if (value && typeof value === 'object') {
    return 1 + Object.values(value).reduce<number>((n, item) => n + objectsIn(item), 0);
  }
  return 0;
}

describe('the cost limit counts every list', () => {
  let server: TestServer;
  let token: string;
  const fixture = { endpointId: '', jobId: '' };
  beforeAll(async () => {
    server = await startTestServer();
    token = await server.tokenFor(DEMO_USERS.platformAdmin.subject);
    // A webhook endpoint with deliveries of two changes, each with more attempts than its
    // attemptLog shows (no worker runs here: the rows are the worker's, written as it would).
    const created = await server.graphql<{
      createWebhookEndpoint: { endpoint: { id: string } };
    }>(
      `mutation { createWebhookEndpoint(input: {
        tenantCode: "TJ", url: "https://hooks.example.org/cost", eventTypes: ["*"] }) {
        endpoint { id } } }`,
      {},
      token,
    );
    expect(created.body.errors).toBeUndefined();
    fixture.endpointId = created.body.data!.createWebhookEndpoint.endpoint.id;
    // An import job (a dry run of two rows) whose per-row results the job's page lists.
    const job = await server.graphql<{ importSpreadsheet: { id: string } }>(
      `mutation ($input: ImportSpreadsheetInput!) { importSpreadsheet(input: $input) { id } }`,
      {
        input: {
          rows: 'ACTIVITIES',
          format: 'CSV',
          tenantCode: 'TJ',
          idempotencyKey: 'cost-job',
          dryRun: true,
          content: ['externalId,projectId,type,title,startDate', 1, 2]
            .map((i) =>
              typeof i === 'string' ? i : `COST-${i},${SEED_IDS.projects.TJ},TRAINING,T,2024-08-01`,
            )
            .join('\n'),
        },
      },
      token,
    );
    expect(job.body.errors).toBeUndefined();
    fixture.jobId = job.body.data!.importSpreadsheet.id;
    for (const title of ['Cost hook 1', 'Cost hook 2']) {
      const write = await server.graphql(
        `mutation ($input: CreateActivityInput!) { createActivity(input: $input) { id } }`,
        {
          input: {
            projectId: SEED_IDS.projects.TJ,
            type: 'TRAINING',
            title,
            startDate: '2024-08-01',
          },
        },
        token,
      );
      expect(write.body.errors).toBeUndefined();
    }
    await server.db.dataSource.query(
      `WITH d AS (
         INSERT INTO webhook_deliveries (tenant_id, endpoint_id, change_id, event_type, payload,
                                         attempts, last_status)
         SELECT l.tenant_id, $2, l.id, 'activity.created', '{}', 25, 500
           FROM change_log l WHERE l.tenant_id = $1
         RETURNING tenant_id, id)
       INSERT INTO webhook_attempts (tenant_id, delivery_id, duration_ms, status)
       SELECT d.tenant_id, d.id, 12, 500 FROM d, generate_series(1, 25)`,
      [SEED_IDS.tenants.TJ, fixture.endpointId],
    );
  });
  afterAll(() => server.close());

  /**
   * For each object type, the shortest chain of root fields that reaches it without
   * required arguments, as a function wrapping a selection of that type.
   */
  function pathsFromQuery(): Map<string, (selection: string) => string> {
    const schema = server.app.schema;
    const paths = new Map<string, (selection: string) => string>();
    const query = schema.getQueryType()!;
    paths.set(query.name, (selection) => selection);
    const explore = (queue: GraphQLObjectType[]) => {
      while (queue.length > 0) {
        const type = queue.shift()!;
        for (const field of Object.values(type.getFields())) {
          const target = getNamedType(field.type);
          if (!isObjectType(target) || paths.has(target.name) || needsArguments(field)) continue;
          const outer = paths.get(type.name)!;
          const args = ARGUMENTS[`${type.name}.${field.name}`] ?? '';
          paths.set(target.name, (selection) => outer(`{ ${field.name}${args} ${selection} }`));
          queue.push(target);
        }
      }
    };
    explore([query]);
    // Then from the fields with required arguments, for the types nothing else reaches: a
    // type reached both ways keeps its path from the root (the shorter, or the same length).
    const entries = Object.entries(ARGUMENT_ENTRIES(fixture));
    for (const [name, wrap] of entries) paths.set(name, wrap);
    explore(entries.map(([name]) => schema.getType(name) as GraphQLObjectType));
    // Lists returned by mutations themselves (the bulk period transitions): their ARGUMENTS.
    paths.set(schema.getMutationType()!.name, (selection) => `mutation ${selection}`);
    for (const [name, wrap] of Object.entries(MUTATION_ENTRIES)) paths.set(name, wrap);
    return paths;
  }

  /** Every list of objects in the schema, as `Type.field` with the query that selects it. */
  function listQueries(): { list: string; query: string }[] {
    const schema = server.app.schema;
    const paths = pathsFromQuery();
    const lists: { list: string; query: string }[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (!isObjectList(field)) continue;
        const list = `${type.name}.${field.name}`;
        const path = paths.get(type.name);
        const item = getNamedType(field.type) as GraphQLObjectType;
        const args = ARGUMENTS[list] ?? '';
        lists.push({
          list,
          query: path ? path(`{ ${field.name}${args} ${selectionOf(item)} }`) : '',
        });
      }
    }
    return lists;
  }

  it('reaches every list of objects in the schema', () => {
    const lists = listQueries();
    expect(lists.length).toBeGreaterThan(20);
    expect(lists.filter((l) => l.query === '').map((l) => l.list)).toEqual([]);
  });

  it('every list without `first` that is not a connection page has a declared maximum', () => {
    const unpaged = listQueries()
      .map((l) => l.list)
      .filter((list) => {
        const [typeName, fieldName] = list.split('.') as [string, string];
        const field = (server.app.schema.getType(typeName) as GraphQLObjectType).getFields()[
          fieldName
        ]!;
        const page =
          (typeName.endsWith('Connection') || typeName === 'ChangePage') &&
          ['nodes', 'edges'].includes(fieldName);
        return !page && !field.args.some((arg) => arg.name === 'first');
      });
    expect(unpaged.sort()).toEqual(Object.keys(LIST_MAXIMUMS).sort());
  });

  it('for every list, the objects an answer on the seed data holds never exceed the estimate', async () => {
    const results: { list: string; objects: number; estimate: number | undefined }[] = [];
    for (const { list, query } of listQueries()) {
      if (query === '') continue;
      const res = await server.graphql(query, {}, token);
      expect({ list, errors: res.body.errors }).toEqual({ list, errors: undefined });
      const estimate = queryCost(server.app.schema, parse(query), undefined, {});
      results.push({ list, objects: objectsIn(res.body.data) - 1, estimate });
    }
    expect(results.filter((r) => r.estimate === undefined || r.objects > r.estimate)).toEqual([]);
    // The lists reached through fields with required arguments answered with items: the
    // feed's first page, two deliveries, and 20 attempts in each log.
    const reached = (list: string) => results.find((r) => r.list === list)?.objects ?? 0;
    expect(reached('ChangePage.nodes')).toBeGreaterThan(20);
    expect(reached('WebhookDeliveryConnection.nodes')).toBeGreaterThanOrEqual(2);
    expect(reached('WebhookDelivery.attemptLog')).toBeGreaterThanOrEqual(2 * 20);
    // The comparison means something: some lists hold many objects.
    const summaries = results.find((r) => r.list === 'Query.outcomeSummaries')!;
    expect(summaries.objects).toBeGreaterThan(10);
  });

  it('a list longer than its declared maximum is refused, not cut short, and the rest still answers', async () => {
    // A user with more memberships than Me.memberships may list.
    const maximum = LIST_MAXIMUMS['Me.memberships']!;
    const subject = 'test|many-memberships';
    const orgs = await server.db.dataSource.query<{ id: string }[]>(
      'SELECT id FROM organisations ORDER BY id',
    );
    await server.db.dataSource.query(
      `WITH u AS (INSERT INTO users (subject, email, display_name)
                  VALUES ($1, 'many@example.org', 'Many') RETURNING id)
       INSERT INTO memberships (tenant_id, user_id, organisation_id, role)
       SELECT t.id, u.id, o, r FROM u, tenants t, unnest($2::uuid[]) AS o,
              unnest(ARRAY['TENANT_ADMIN', 'PARTNER_VIEWER', 'PARTNER_EDITOR', 'AGGREGATE_ANALYST']) AS r`,
      [subject, orgs.map((o) => o.id)],
    );
    const held = 3 * orgs.length * 4;
    expect(held).toBeGreaterThan(maximum);
    const res = await server.graphql<{ me: { kind: string; memberships: unknown } | null }>(
      '{ me { kind memberships { role } } }',
      {},
      await server.tokenFor(subject),
    );
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.limit])).toEqual([
      [['me', 'memberships'], 'QUERY_TOO_COMPLEX', 'size'],
    ]);
    const kindOnly = await server.graphql('{ me { kind } }', {}, await server.tokenFor(subject));
    expect(kindOnly.body).toEqual({ data: { me: { kind: 'USER' } } });
  });
});
