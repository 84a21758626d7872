import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { startTestServer, TEST_JWT_SECRET, type TestServer } from '../helpers/server';
import {
  CREATE_ACTIVITY,
  CREATE_MEASUREMENT,
  DELETE_ACTIVITY,
  IDS,
  UPDATE_ACTIVITY,
  errorOf,
  tjActivity,
  tjMeasurement,
  tokens,
} from '../helpers/writes';

type Received = { path: string; headers: IncomingMessage['headers']; body: string };

/** A real HTTP receiver on loopback; `answer` decides each response's status. */
function receiver(answer: (r: Received, seen: Received[]) => number | null) {
  const seen: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, body };
      const status = answer(r, seen);
      seen.push(r);
      if (status === null) return; // hang: never answer
      res.statusCode = status;
      if (status === 429) res.setHeader('retry-after', '1');
      res.end();
    });
  });
  return {
    seen,
    server,
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    start: () => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const CREATE_ENDPOINT = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes } }
}`;
const DELIVERIES = `query ($id: UUID!) { webhookDeliveries(endpointId: $id, first: 50) {
  nodes { webhookId eventType state attempts lastStatus attemptLog { status } } } }`;

// Long enough for a loaded CI machine (a Citus run once took longer than 15 s to deliver four
// events); a condition that holds ends the wait at once.
const until = async (check: () => boolean | Promise<boolean>, ms = 45_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
};

const WORKER_ENV = {
  WEBHOOK_WORKER: 'in-process',
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_RETRY_SCHEDULE_S: '0.3,0.3,0.3',
};

describe('webhooks', () => {
  let server: TestServer;
  let t: Awaited<ReturnType<typeof tokens>>;
  const flaky = new Set<string>();
  const hook = receiver((r) => {
    if (r.path === '/gone') return 410;
    if (r.path === '/flaky' && !flaky.has(r.headers['webhook-id'] as string)) {
      flaky.add(r.headers['webhook-id'] as string);
      return 500;
    }
    return 200;
  });
  beforeAll(async () => {
    await hook.start();
    server = await startTestServer({ env: WORKER_ENV });
    t = await tokens(server);
  });
  afterAll(async () => {
    await server.close();
    await hook.stop();
  });

  async function endpoint(path: string, eventTypes = ['*'], token = t.tjAdmin) {
    const res = await server.graphql<{
      createWebhookEndpoint: { secret: string; endpoint: { id: string } };
    }>(
      CREATE_ENDPOINT,
      { input: { tenantCode: 'TJ', url: `${hook.url()}${path}`, eventTypes } },
      token,
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createWebhookEndpoint;
  }

  it('only tenant admins manage endpoints: partners, other tenants and keys without admin scope are refused', async () => {
    const input = { tenantCode: 'TJ', url: `${hook.url()}/x`, eventTypes: ['*'] };
    for (const who of [t.tjEditor, t.tjViewer, t.kgAdmin]) {
      const res = await server.graphql(CREATE_ENDPOINT, { input }, who);
      expect(errorOf(res)?.code).toBe('FORBIDDEN');
    }
    const key = await server.graphql(CREATE_ENDPOINT, { input }, { apiKey: server.devApiKey });
    expect(errorOf(key)?.code).toBe('FORBIDDEN');
    const created = await endpoint('/listed', ['project.updated']);
    expect(created.secret).toMatch(/^whsec_/);
    const kgList = await server.graphql<{ webhookEndpoints: { nodes: { id: string }[] } }>(
      `{ webhookEndpoints(first: 50) { nodes { id } } }`,
      {},
      t.kgAdmin,
    );
    expect(kgList.body.data!.webhookEndpoints.nodes).toEqual([]);
    const kgDeliveries = await server.graphql(DELIVERIES, { id: created.endpoint.id }, t.kgAdmin);
    expect(kgDeliveries.body.data).toEqual({ webhookDeliveries: { nodes: [] } });
  });

  it('delivers every event of a scripted sequence exactly once, signed per Standard Webhooks, and nothing for a rolled-back mutation', async () => {
    const { secret, endpoint: ep } = await endpoint('/ok');
    const created = await server.graphql<{ createActivity: { id: string; version: number } }>(
      CREATE_ACTIVITY,
      { input: tjActivity({ title: 'Hooked' }) },
      t.tjEditor,
    );
    const id = created.body.data!.createActivity.id;
    await server.graphql(
      UPDATE_ACTIVITY,
      { input: { id, expectedVersion: 1, title: 'Hooked 2' } },
      t.tjEditor,
    );
    await server.graphql(DELETE_ACTIVITY, { input: { id, expectedVersion: 2 } }, t.tjEditor);
    await server.graphql(CREATE_MEASUREMENT, { input: tjMeasurement() }, t.tjAdmin);
    const rolledBack = await server.graphql(
      `mutation ($ok: CreateActivityInput!, $bad: CreateActivityInput!) {
        a: createActivity(input: $ok) { id } b: createActivity(input: $bad) { id } }`,
      { ok: tjActivity({ title: 'Never' }), bad: tjActivity({ endDate: '2000-01-01' }) },
      t.tjAdmin,
    );
    expect(rolledBack.body.errors).toBeDefined();
    const mine = () => hook.seen.filter((r) => r.path === '/ok');
    await until(() => mine().length >= 4);
    await new Promise((r) => setTimeout(r, 1000));
    const wh = new Webhook(secret);
    const events = mine().map(
      (r) =>
        wh.verify(r.body, r.headers as Record<string, string>) as {
          type: string;
          data: { id: string; tenant: string };
        },
    );
    // Deliveries run in parallel, so they may arrive in any order (the changes feed is ordered).
    expect(events.map((e) => e.type).sort()).toEqual([
      'activity.created',
      'activity.deleted',
      'activity.updated',
      'measurement.created',
    ]);
    const activityEvents = events.filter((e) => e.type.startsWith('activity.'));
    expect(activityEvents.every((e) => e.data.id === id && e.data.tenant === 'TJ')).toBe(true);
    expect(new Set(mine().map((r) => r.headers['webhook-id'])).size).toBe(4);
    // A signature with another secret does not verify.
    expect(() =>
      new Webhook(`whsec_${Buffer.from('x'.repeat(24)).toString('base64')}`).verify(
        mine()[0]!.body,
        mine()[0]!.headers as Record<string, string>,
      ),
    ).toThrow();
    const log = await server.graphql<{ webhookDeliveries: { nodes: { state: string }[] } }>(
      DELIVERIES,
      { id: ep.id },
      t.tjAdmin,
    );
    expect(log.body.data!.webhookDeliveries.nodes.map((n) => n.state)).toEqual(
      Array(4).fill('DELIVERED'),
    );
  });

  it('sends period.submitted and period.approved to an endpoint of period.*, naming the period by its id', async () => {
    const { secret } = await endpoint('/periods', ['period.*']);
    const quarter = { projectId: IDS.projects.TJ, date: '2024-10-15' };
    const move = async (name: string, token: string) => {
      const res = await server.graphql<
        Record<string, { status: string; period: { id: string; version: number } }>
      >(
        `mutation ($input: PeriodTransitionInput!) {
          ${name}(input: $input) { status period { id version } } }`,
        { input: quarter },
        token,
      );
      expect(res.body.data![name]!.status).toBe('DONE');
      return res.body.data![name]!.period;
    };
    const submitted = await move('submitPeriod', t.tjEditor);
    // Not a period event: not for this endpoint.
    await server.graphql(
      CREATE_ACTIVITY,
      { input: tjActivity({ title: 'Not a period' }) },
      t.tjEditor,
    );
    const approved = await move('approvePeriod', t.tjAdmin);
    const mine = () => hook.seen.filter((r) => r.path === '/periods');
    await until(() => mine().length >= 2);
    await new Promise((r) => setTimeout(r, 1000));
    const wh = new Webhook(secret);
    const events = mine().map(
      (r) =>
        wh.verify(r.body, r.headers as Record<string, string>) as {
          type: string;
          data: Record<string, unknown>;
        },
    );
    expect(events.map((e) => [e.type, e.data]).sort()).toEqual([
      [
        'period.approved',
        {
          tenant: 'TJ',
          entityType: 'ReportingPeriod',
          id: submitted.id,
          version: approved.version,
        },
      ],
      [
        'period.submitted',
        {
          tenant: 'TJ',
          entityType: 'ReportingPeriod',
          id: submitted.id,
          version: submitted.version,
        },
      ],
    ]);
  });

  it('retries after a 500 under the same webhook-id, and logs each attempt', async () => {
    const { secret, endpoint: ep } = await endpoint('/flaky', ['activity.created']);
    await server.graphql(CREATE_ACTIVITY, { input: tjActivity({ title: 'Flaky' }) }, t.tjAdmin);
    const mine = () => hook.seen.filter((r) => r.path === '/flaky');
    await until(() => mine().length >= 2);
    expect(mine()[0]!.headers['webhook-id']).toBe(mine()[1]!.headers['webhook-id']);
    for (const r of mine()) new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    await until(async () => {
      const res = await server.graphql<{
        webhookDeliveries: {
          nodes: { state: string; attempts: number; attemptLog: { status: number }[] }[];
        };
      }>(DELIVERIES, { id: ep.id }, t.tjAdmin);
      const [d] = res.body.data!.webhookDeliveries.nodes;
      return (
        d?.state === 'DELIVERED' &&
        d.attempts === 2 &&
        d.attemptLog.map((a) => a.status).join() === '500,200'
      );
    });
  });

  it('410 Gone disables the endpoint and dead-letters the delivery', async () => {
    const { endpoint: ep } = await endpoint('/gone', ['activity.created']);
    await server.graphql(CREATE_ACTIVITY, { input: tjActivity({ title: 'Gone' }) }, t.tjAdmin);
    await until(async () => {
      const res = await server.graphql<{
        webhookEndpoints: { nodes: { id: string; disabledReason: string | null }[] };
      }>(`{ webhookEndpoints(first: 50) { nodes { id disabledReason } } }`, {}, t.tjAdmin);
      return /410/.test(
        res.body.data!.webhookEndpoints.nodes.find((n) => n.id === ep.id)?.disabledReason ?? '',
      );
    });
    const res = await server.graphql<{ webhookDeliveries: { nodes: { state: string }[] } }>(
      DELIVERIES,
      { id: ep.id },
      t.tjAdmin,
    );
    expect(res.body.data!.webhookDeliveries.nodes[0]!.state).toBe('DEAD');
  });

  it('rotating the secret signs with both during the grace period', async () => {
    const { secret: old, endpoint: ep } = await endpoint('/rotated', ['activity.created']);
    const rotated = await server.graphql<{ rotateWebhookSecret: { secret: string } }>(
      `mutation ($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) { secret previousSecretExpiresAt } }`,
      { input: { id: ep.id, gracePeriodHours: 1 } },
      t.tjAdmin,
    );
    const fresh = rotated.body.data!.rotateWebhookSecret.secret;
    await server.graphql(CREATE_ACTIVITY, { input: tjActivity({ title: 'Rotated' }) }, t.tjAdmin);
    await until(() => hook.seen.some((r) => r.path === '/rotated'));
    const r = hook.seen.find((x) => x.path === '/rotated')!;
    new Webhook(old).verify(r.body, r.headers as Record<string, string>);
    new Webhook(fresh).verify(r.body, r.headers as Record<string, string>);
    expect((r.headers['webhook-signature'] as string).split(' ')).toHaveLength(2);
  });
});

describe('webhooks across a killed API process', () => {
  const ROOT = join(__dirname, '..', '..');
  let server: TestServer;
  let api: ChildProcess | null = null;
  let hang = true;
  const hook = receiver(() => (hang ? null : 200));

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
      },
    );
    await hook.start();
    server = await startTestServer({ env: { WEBHOOK_ALLOW_LOOPBACK: 'true' } });
  }, 180_000);
  afterAll(async () => {
    if (api && api.exitCode === null) api.kill('SIGKILL');
    await server.close();
    await hook.stop();
  });

  function startApi(): ChildProcess {
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: ROOT,
      stdio: 'ignore',
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: server.db.url,
        SEED_ON_START: 'false',
        HOST: '127.0.0.1',
        PORT: '0',
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'silent',
        ...WORKER_ENV,
      },
    });
    return child;
  }

  it('delivers what was pending after the process is killed mid-delivery and started again', async () => {
    const tj = await server.tokenFor('demo|tj-admin');
    const ep = await server.graphql<{ createWebhookEndpoint: { secret: string } }>(
      CREATE_ENDPOINT,
      { input: { tenantCode: 'TJ', url: `${hook.url()}/slow`, eventTypes: ['activity.created'] } },
      tj,
    );
    const secret = ep.body.data!.createWebhookEndpoint.secret;
    await server.graphql(CREATE_ACTIVITY, { input: tjActivity({ title: 'Survives' }) }, tj);
    api = startApi();
    await until(() => hook.seen.length >= 1, 60_000);
    api.kill('SIGKILL'); // mid-delivery: the receiver has not answered
    await new Promise((r) => api!.once('exit', r));
    hang = false;
    api = startApi();
    await until(() => hook.seen.length >= 2, 60_000);
    const ids = new Set(hook.seen.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    for (const r of hook.seen)
      new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    api.kill('SIGTERM');
  }, 150_000);
});
