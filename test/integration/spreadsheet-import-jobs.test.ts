import ExcelJS from 'exceljs';
import type { PoolClient } from 'pg';
import { DEMO_USERS, SEED_IDS } from '../../seeds/programme';
import { poolOf } from '../../src/db/data-source';
import { APPLICATION_ROLE } from '../../src/db/request-transaction';
import { setLocal } from '../helpers/database';
import { startTestServer, type TestServer } from '../helpers/server';

/*
 * Issue 20: a spreadsheet import is a job. Larger files go in batches of 1,000, each committed
 * with its per-row results and the job's progress, so progress can be read while the job runs,
 * and a job whose process dies mid-way loses no row: it reads INTERRUPTED and the same file
 * with the same key resumes it at its first batch not done. Only the principal that started a
 * job and the tenant's admins read it (GraphQL, scoped SQL and row-level security). Files come
 * as the body, as a multipart/form-data upload (which a cross-site form cannot send: it needs
 * Apollo-Require-Preflight) or as a GraphQL variable, through the same validation.
 */

const P = SEED_IDS.projects;
const HEADER = 'externalId,projectId,type,title,startDate,participantsFemale';

type RowResult = { row: number; externalId: string | null; status: string; field: string | null };
type Answer = {
  job: { id: string; state: string };
  applied: boolean;
  replayed: boolean;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  rows: RowResult[];
  errors?: { message: string; extensions: { code: string; jobId?: string } }[];
};

const JOB_QUERY = `query ($id: UUID!, $after: String, $status: ImportItemStatus) {
  importJob(id: $id) {
    id state rowsTotal rowsDone batchesTotal batchesDone created updated unchanged invalid
    applied lastError idempotencyKey rowKind format tenantCode
    results(first: 100, after: $after, status: $status) {
      totalCount pageInfo { hasNextPage endCursor } nodes { row externalId status field }
    }
  } }`;

/** `count` activity rows of the TJ main project, numbered from `from`. */
function activities(prefix: string, count: number, from = 1): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const n = String(from + i).padStart(5, '0');
    return `${prefix}-${n},${P.TJ},TRAINING,Ҷаласа ${n},2025-03-01,${(from + i) % 30}`;
  });
  return [HEADER, ...rows].join('\n');
}

describe('spreadsheet import jobs', () => {
  let server: TestServer;
  let tjAdmin: string;
  let tjEditor: string;
  let tjViewer: string;
  let kgAdmin: string;
  let analyst: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { DB_STATEMENT_TIMEOUT_MS: '120000' } });
    [tjAdmin, tjEditor, tjViewer, kgAdmin, analyst] = (await Promise.all(
      [
        DEMO_USERS.tjAdmin,
        DEMO_USERS.tjEditor,
        DEMO_USERS.tjViewer,
        DEMO_USERS.kgAdmin,
        DEMO_USERS.unAnalyst,
      ].map((u) => server.tokenFor(u.subject)),
    )) as [string, string, string, string, string];
  });
  afterAll(() => server.close());

  const owner = () => poolOf(server.db.dataSource).connect();

  const upload = async (
    path: string,
    body: string | Buffer | FormData,
    token: string,
    query: Record<string, string>,
    headers: Record<string, string> = { 'content-type': 'text/csv' },
  ): Promise<{ status: number; body: Answer }> => {
    const params = new URLSearchParams({ tenantCode: 'TJ', ...query }).toString();
    const response = await fetch(`${server.url}/import/${path}?${params}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...headers },
      body,
    });
    return { status: response.status, body: (await response.json()) as Answer };
  };

  type Job = {
    id: string;
    state: string;
    rowsTotal: number;
    rowsDone: number;
    batchesTotal: number;
    batchesDone: number;
    created: number;
    updated: number;
    unchanged: number;
    invalid: number;
    lastError: string | null;
    results: {
      totalCount: number;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
      nodes: RowResult[];
    };
  };
  const jobOf = async (id: string, token: string, variables: Record<string, unknown> = {}) =>
    server.graphql<{ importJob: Job | null }>(JOB_QUERY, { id, ...variables }, token);

  /** Polls the database (as its owner) until the job of `key` has done `batches` batches. */
  async function waitForBatches(key: string, batches: number): Promise<string> {
    for (let i = 0; i < 600; i++) {
      const rows = await server.db.dataSource.query<{ id: string; batches_done: number }[]>(
        `SELECT id, batches_done FROM import_jobs WHERE idempotency_key = $1`,
        [key],
      );
      if (rows[0] && rows[0].batches_done >= batches) return rows[0].id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the job of ${key} never reached batch ${batches}`);
  }

  /**
   * Waits until a batch's statement locking the stored rows runs, and returns its backend's
   * pid. That statement cannot end while the blocker holds one of the rows, and the batch has
   * read its principal before it. Found by its text, not by its wait: on Citus the wait for the
   * lock is on the worker holding the shard, and the API's backend on the coordinator waits for
   * that worker (`Client`), not for a lock (`Lock`).
   */
  async function waitForLockingStatement(): Promise<number> {
    for (let i = 0; i < 600; i++) {
      const rows = await server.db.dataSource.query<{ pid: number }[]>(
        `SELECT pid FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND state = 'active' AND query LIKE '%FOR UPDATE OF t%'`,
      );
      if (rows.length === 1) return rows[0]!.pid;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('no batch ever waited on the locked row');
  }

  /** Holds a row lock on an existing activity, so that the batch updating it waits. */
  async function lockActivity(externalId: string): Promise<PoolClient> {
    const client = await owner();
    // Held while the test looks at the job: longer than the pool's idle-in-transaction limit.
    await client.query(`SET idle_in_transaction_session_timeout = 0`);
    await client.query('BEGIN');
    // The tenant named: Citus locks rows only in a statement routed to one shard group.
    await client.query(
      `SELECT 1 FROM activities WHERE tenant_id = $1 AND external_id = $2 FOR UPDATE`,
      [SEED_IDS.tenants.TJ, externalId],
    );
    return client;
  }

  it('imports 2,500 rows in three batches, its progress readable while it runs', async () => {
    // Row 1,500 already exists: batch 2 waits on its lock while the test looks at the job.
    await upload('activities.csv', activities('JOB', 1, 1500), tjAdmin, { idempotencyKey: 'pre' });
    const blocker = await lockActivity('JOB-01500');
    const running = upload('activities.csv', activities('JOB', 2500), tjAdmin, {
      idempotencyKey: 'job-1',
    });
    let id: string;
    let during: Awaited<ReturnType<typeof jobOf>>;
    try {
      id = await waitForBatches('job-1', 1);
      during = await jobOf(id, tjAdmin);
    } catch (error) {
      await blocker.query('ROLLBACK');
      blocker.release();
      throw error;
    }
    expect(during.body.errors).toBeUndefined();
    expect(during.body.data!.importJob).toMatchObject({
      state: 'RUNNING',
      rowsTotal: 2500,
      rowsDone: 1000,
      batchesTotal: 3,
      batchesDone: 1,
      created: 1000,
      results: { totalCount: 1000 },
    });
    const byKey = await server.graphql<{ importJobByKey: { id: string } | null }>(
      `{ importJobByKey(tenantCode: "TJ", idempotencyKey: "job-1") { id } }`,
      {},
      tjAdmin,
    );
    expect(byKey.body.data!.importJobByKey).toEqual({ id });
    await blocker.query('ROLLBACK');
    blocker.release();

    const done = await running;
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      job: { id, state: 'SUCCEEDED' },
      batches: 3,
      created: 2499,
      unchanged: 1,
      invalid: 0,
      replayed: false,
    });
    expect(done.body.rows.map((r) => r.row)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 2));

    // Per-row results, paged by row in file order, and filtered by outcome.
    const first = (await jobOf(id, tjAdmin)).body.data!.importJob!;
    expect(first.results.nodes.map((r) => r.row)).toEqual(
      Array.from({ length: 100 }, (_, i) => i + 2),
    );
    expect(first.results.pageInfo.hasNextPage).toBe(true);
    const second = (await jobOf(id, tjAdmin, { after: first.results.pageInfo.endCursor })).body
      .data!.importJob!;
    expect(second.results.nodes[0]!.row).toBe(102);
    const unchanged = (await jobOf(id, tjAdmin, { status: 'UNCHANGED' })).body.data!.importJob!;
    expect(unchanged.results).toMatchObject({
      totalCount: 1,
      nodes: [{ row: 1501, externalId: 'JOB-01500', status: 'UNCHANGED' }],
    });
    const bad = await jobOf(id, tjAdmin, { after: 'not-a-cursor' });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    // The same key and file: the stored job, nothing written; another file: CONFLICT.
    const again = await upload('activities.csv', activities('JOB', 2500), tjAdmin, {
      idempotencyKey: 'job-1',
    });
    expect(again.body).toMatchObject({ job: { id }, replayed: true, created: 2499 });
    const other = await upload('activities.csv', activities('JOB', 2400), tjAdmin, {
      idempotencyKey: 'job-1',
    });
    expect(other.status).toBe(409);
    expect(other.body.errors![0]!.extensions.code).toBe('CONFLICT');
    const [count] = await server.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM activities WHERE external_id LIKE 'JOB-%'`,
    );
    expect(count!.n).toBe(2500);
  }, 300_000);

  it('loses no row when the process dies mid-way: the job reads INTERRUPTED and resumes', async () => {
    await upload('activities.csv', activities('CUT', 1, 1500), tjAdmin, { idempotencyKey: 'pre2' });
    const blocker = await lockActivity('CUT-01500');
    const running = upload('activities.csv', activities('CUT', 2500), tjAdmin, {
      idempotencyKey: 'cut-1',
    });
    const id = await waitForBatches('cut-1', 1);
    // The import's connection dies while batch 2 waits: as when its process is killed.
    let killed: boolean;
    try {
      const pid = await waitForLockingStatement();
      const [row] = await server.db.dataSource.query<{ ok: boolean }[]>(
        `SELECT pg_terminate_backend($1::int) AS ok`,
        [pid],
      );
      killed = row!.ok;
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    expect(killed).toBe(true);
    const cut = await running;
    expect(cut.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(cut.body)).not.toMatch(/SELECT|terminat/i);

    // Batch 1 stays, batch 2 was never counted; while its lease lasts the job is RUNNING and a
    // second upload is refused, naming the job.
    const [stored] = await server.db.dataSource.query<{ batches_done: number }[]>(
      `SELECT batches_done FROM import_jobs WHERE id = $1`,
      [id],
    );
    expect(stored!.batches_done).toBe(1);
    const meanwhile = await upload('activities.csv', activities('CUT', 2500), tjAdmin, {
      idempotencyKey: 'cut-1',
    });
    expect(meanwhile.status).toBe(409);
    expect(meanwhile.body.errors![0]!.extensions.jobId).toBe(id);
    // The lease runs out (as it would two minutes later).
    await server.db.dataSource.query(
      `UPDATE import_jobs SET lease_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect((await jobOf(id, tjAdmin)).body.data!.importJob).toMatchObject({
      state: 'INTERRUPTED',
      batchesDone: 1,
      rowsDone: 1000,
    });

    const resumed = await upload('activities.csv', activities('CUT', 2500), tjAdmin, {
      idempotencyKey: 'cut-1',
    });
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({
      job: { id, state: 'SUCCEEDED' },
      created: 2499,
      unchanged: 1,
      invalid: 0,
    });
    expect(resumed.body.rows.map((r) => r.row)).toEqual(
      Array.from({ length: 2500 }, (_, i) => i + 2),
    );
    const [count] = await server.db.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM activities WHERE external_id LIKE 'CUT-%'`,
    );
    expect(count!.n).toBe(2500);
  }, 300_000);

  it('a dry run is a new job every time: it checks the data as it is now, writing nothing', async () => {
    const file = activities('DRY', 2);
    const first = await upload('activities.csv', file, tjAdmin, {
      idempotencyKey: 'dry-1',
      dryRun: 'true',
    });
    expect(first.body).toMatchObject({ dryRun: true, applied: false, created: 2, replayed: false });
    // The rows appear meanwhile: the second dry run sees them.
    await upload('activities.csv', file, tjAdmin, { idempotencyKey: 'dry-real' });
    const second = await upload('activities.csv', file, tjAdmin, {
      idempotencyKey: 'dry-1',
      dryRun: 'true',
    });
    expect(second.body).toMatchObject({ created: 0, unchanged: 2, replayed: false });
    expect(second.body.job.id).not.toBe(first.body.job.id);
  });

  it('a job is read by the principal that started it and the tenant’s admins only', async () => {
    const editorJob = await upload('activities.csv', activities('ED', 3), tjEditor, {
      idempotencyKey: 'editor-1',
    });
    expect(editorJob.status).toBe(200);
    const adminJob = await upload('activities.csv', activities('AD', 3), tjAdmin, {
      idempotencyKey: 'admin-1',
    });
    const editorId = editorJob.body.job.id;
    const adminId = adminJob.body.job.id;

    expect((await jobOf(editorId, tjEditor)).body.data!.importJob!.id).toBe(editorId);
    // The tenant's admin reads every job of the tenant.
    expect((await jobOf(editorId, tjAdmin)).body.data!.importJob!.results.totalCount).toBe(3);
    // Another principal of the tenant, another tenant's admin: as if it did not exist.
    for (const [id, token] of [
      [adminId, tjEditor],
      [editorId, kgAdmin],
    ] as const) {
      const answer = await jobOf(id, token);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(JSON.stringify(answer.body)).not.toContain('AD-0000');
    }
    // The same key by another principal is another job.
    const same = await upload('activities.csv', activities('ED', 3), tjAdmin, {
      idempotencyKey: 'editor-1',
    });
    expect(same.body.job.id).not.toBe(editorId);
    // Who writes no rows reads no job at all.
    for (const token of [tjViewer, analyst]) {
      const answer = await jobOf(editorId, token);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    // An API key is its own principal: the dev key (International Alert, write) sees neither.
    const byKey = await server.graphql<{ importJob: unknown }>(
      JOB_QUERY,
      { id: adminId },
      { apiKey: server.devApiKey },
    );
    expect(byKey.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('row-level security alone hides another principal’s jobs and refuses writing one', async () => {
    const [job] = await server.db.dataSource.query<{ id: string; principal: string }[]>(
      `SELECT id, principal FROM import_jobs WHERE idempotency_key = 'editor-1' ORDER BY created_at LIMIT 1`,
    );
    const client = await owner();
    try {
      const asPrincipal = async (settings: Record<string, string>) => {
        await client.query('BEGIN');
        for (const [name, value] of Object.entries(settings)) {
          await client.query(setLocal(name, value));
        }
        await client.query(`SET LOCAL ROLE ${APPLICATION_ROLE}`);
      };
      const TJ = SEED_IDS.tenants.TJ;
      // Another writer of TJ (not an admin) sees neither the job nor its rows.
      await asPrincipal({
        'app.tenant_ids': TJ,
        'app.write_tenant_ids': TJ,
        'app.actor': 'USER:00000000-0000-4000-8000-000000000001',
      });
      expect((await client.query(`SELECT 1 FROM import_jobs`)).rows).toEqual([]);
      expect((await client.query(`SELECT 1 FROM import_job_rows`)).rows).toEqual([]);
      // Nor may it record results under that job, or progress it.
      await expect(
        client.query(
          `INSERT INTO import_job_rows (tenant_id, job_id, principal, file_row, status)
           VALUES ($1, $2, $3, 99, 'CREATED')`,
          [TJ, job!.id, job!.principal],
        ),
      ).rejects.toMatchObject({ code: '42501' });
      await client.query('ROLLBACK');
      // KG's admin: nothing of TJ.
      await asPrincipal({
        'app.tenant_ids': SEED_IDS.tenants.KG,
        'app.write_tenant_ids': SEED_IDS.tenants.KG,
        'app.admin_tenant_ids': SEED_IDS.tenants.KG,
        'app.actor': job!.principal,
      });
      expect((await client.query(`SELECT 1 FROM import_jobs`)).rows).toEqual([]);
      const updated = await client.query(
        `UPDATE import_jobs SET batches_done = batches_total WHERE id = $1`,
        [job!.id],
      );
      expect(updated.rowCount).toBe(0);
      await client.query('ROLLBACK');
      // The job's own principal, in its tenant, does see it.
      await asPrincipal({
        'app.tenant_ids': TJ,
        'app.write_tenant_ids': TJ,
        'app.actor': job!.principal,
      });
      expect(
        (await client.query(`SELECT 1 FROM import_jobs WHERE id = $1`, [job!.id])).rows,
      ).toHaveLength(1);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('takes a multipart/form-data upload through the same import, only with Apollo-Require-Preflight', async () => {
    const form = () => {
      const data = new FormData();
      data.append('file', new Blob([activities('MP', 2)], { type: 'text/csv' }), 'rows.csv');
      return data;
    };
    // A cross-site form could send this: refused before anything is read.
    const forged = await upload('activities.csv', form(), tjAdmin, { idempotencyKey: 'mp-1' }, {});
    expect(forged.status).toBe(400);
    expect(forged.body.errors![0]!.extensions.code).toBe('BAD_REQUEST');
    expect(forged.body.errors![0]!.message).toMatch(/Apollo-Require-Preflight/);
    const plain = await upload(
      'activities.csv',
      activities('MP', 2),
      tjAdmin,
      { idempotencyKey: 'mp-0' },
      { 'content-type': 'text/plain' },
    );
    expect(plain.status).toBe(400);

    const sent = await upload(
      'activities.csv',
      form(),
      tjAdmin,
      { idempotencyKey: 'mp-1' },
      { 'apollo-require-preflight': 'true' },
    );
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ created: 2, invalid: 0, job: { state: 'SUCCEEDED' } });

    // The options may come as the form's fields; a bad cell answers on its row, as ever.
    const fields = new FormData();
    fields.append('tenantCode', 'TJ');
    fields.append('idempotencyKey', 'mp-2');
    fields.append(
      'file',
      new Blob([`${HEADER}\nMP-9,${P.TJ},PICNIC,T,2025-01-01,1\n`], { type: 'text/csv' }),
      'rows.csv',
    );
    const response = await fetch(`${server.url}/import/activities.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tjAdmin}`, 'apollo-require-preflight': 'true' },
      body: fields,
    });
    const answer = (await response.json()) as Answer;
    expect(response.status).toBe(200);
    expect(answer.rows).toEqual([
      expect.objectContaining({ row: 2, status: 'INVALID', field: 'type' }),
    ]);

    // A part with another name, or a file over 32 MiB: a clear 4xx, no stack.
    const wrong = new FormData();
    wrong.append('upload', new Blob(['x']), 'x.csv');
    const misnamed = await upload(
      'activities.csv',
      wrong,
      tjAdmin,
      { idempotencyKey: 'mp-3' },
      { 'apollo-require-preflight': 'true' },
    );
    expect(misnamed.status).toBe(400);
    expect(misnamed.body.errors![0]!.message).toMatch(/"file"/);
    const huge = new FormData();
    huge.append('file', new Blob([Buffer.alloc(33 * 1024 * 1024, 0x41)]), 'huge.csv');
    const tooLarge = await upload(
      'activities.csv',
      huge,
      tjAdmin,
      { idempotencyKey: 'mp-4' },
      { 'apollo-require-preflight': 'true' },
    );
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.errors![0]!.message).toMatch(/32 MiB/);
  }, 120_000);

  it('takes the file as a GraphQL variable (CSV text or base64 XLSX), with the same per-row results', async () => {
    const MUTATION = `mutation ($input: ImportSpreadsheetInput!) {
      importSpreadsheet(input: $input) {
        id state rowsTotal created invalid
        results { totalCount nodes { row externalId status field } }
      } }`;
    const csv = `${HEADER}\nGQ-1,${P.TJ},TRAINING,Омӯзиш,2025-02-01,4\nGQ-2,${P.TJ},TRAINING,T,2025-02-31,4\n`;
    const input = {
      rows: 'ACTIVITIES',
      format: 'CSV',
      content: csv,
      tenantCode: 'TJ',
      idempotencyKey: 'gq-1',
    };
    const answer = await server.graphql<{
      importSpreadsheet: {
        id: string;
        state: string;
        created: number;
        results: { nodes: RowResult[] };
      };
    }>(MUTATION, { input }, tjEditor);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.importSpreadsheet).toMatchObject({
      state: 'SUCCEEDED',
      created: 1,
      invalid: 1,
      results: {
        totalCount: 2,
        nodes: [
          { row: 2, externalId: 'GQ-1', status: 'CREATED', field: null },
          { row: 3, externalId: 'GQ-2', status: 'INVALID', field: 'startDate' },
        ],
      },
    });
    // The same again: the same job, nothing written twice.
    const again = await server.graphql<{ importSpreadsheet: { id: string } }>(
      MUTATION,
      { input },
      tjEditor,
    );
    expect(again.body.data!.importSpreadsheet.id).toBe(answer.body.data!.importSpreadsheet.id);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('rows');
    sheet.addRow(HEADER.split(','));
    sheet.addRow(['GQ-X1', P.TJ, 'TRAINING', 'Xlsx', '2025-02-03', 2]);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer()).toString('base64');
    const fromXlsx = await server.graphql<{ importSpreadsheet: { created: number } }>(
      MUTATION,
      { input: { ...input, format: 'XLSX', content: xlsx, idempotencyKey: 'gq-2' } },
      tjEditor,
    );
    expect(fromXlsx.body.errors).toBeUndefined();
    expect(fromXlsx.body.data!.importSpreadsheet.created).toBe(1);

    // Not base64, too long, or by a viewer: clear errors with their codes.
    const notBase64 = await server.graphql(
      MUTATION,
      { input: { ...input, format: 'XLSX', content: 'not base64!', idempotencyKey: 'gq-3' } },
      tjEditor,
    );
    expect(notBase64.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'content',
    });
    const tooLong = await server.graphql(
      MUTATION,
      { input: { ...input, content: 'x'.repeat(900_001), idempotencyKey: 'gq-4' } },
      tjEditor,
    );
    expect(tooLong.body.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'content',
    });
    expect(tooLong.body.errors![0]!.message).toMatch(/POST \/import/);
    const viewer = await server.graphql(MUTATION, { input }, tjViewer);
    expect(viewer.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const kg = await server.graphql(
      MUTATION,
      { input: { ...input, idempotencyKey: 'gq-5' } },
      kgAdmin,
    );
    expect(kg.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('a membership revoked half-way stops the job at its next batch; the batches before stay', async () => {
    await upload('activities.csv', activities('RV', 1, 1500), tjEditor, { idempotencyKey: 'rv-0' });
    const blocker = await lockActivity('RV-01500');
    const running = upload('activities.csv', activities('RV', 2500), tjEditor, {
      idempotencyKey: 'rv-1',
    });
    try {
      await waitForBatches('rv-1', 1);
      // Revoked once batch 2 has read its principal and waits on the lock: not before.
      await waitForLockingStatement();
      await server.db.dataSource.query(`UPDATE memberships SET revoked_at = now() WHERE id = $1`, [
        SEED_IDS.memberships.tjEditor,
      ]);
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    try {
      const stopped = await running;
      expect(stopped.status).toBe(403);
      expect(stopped.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
      const [job] = await server.db.dataSource.query<{ batches_done: number }[]>(
        `SELECT batches_done FROM import_jobs WHERE idempotency_key = 'rv-1'`,
      );
      // Batch 2 had begun before the revocation and committed; batch 3 never ran.
      expect(job!.batches_done).toBe(2);
      const [count] = await server.db.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM activities WHERE external_id LIKE 'RV-%'`,
      );
      expect(count!.n).toBe(2000);
    } finally {
      await server.db.dataSource.query(`UPDATE memberships SET revoked_at = NULL WHERE id = $1`, [
        SEED_IDS.memberships.tjEditor,
      ]);
    }
  }, 300_000);
});
