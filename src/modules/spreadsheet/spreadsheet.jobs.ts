import { createHash } from 'node:crypto';
import { conflict, DomainError } from '../../common/errors';
import { param } from '../../common/sql';
import { writerTenantOf } from '../../common/write-scope';
import type { RequestContext } from '../../context';
import { ImportItemStatus } from '../import/import.type';
import type { SheetKind } from './spreadsheet.columns';
import type { SheetFormat } from './spreadsheet.export';
import {
  checkIdempotencyKey,
  importBatch,
  readSheet,
  SHEET_BATCH,
  type SheetImportOptions,
  type SheetImportResult,
  type SheetRowResult,
} from './spreadsheet.import';

/*
 * A spreadsheet import is a job: one per (tenant, principal, idempotency key), stored
 * in `import_jobs` with its per-row results in `import_job_rows`, readable while it runs
 * (`importJob(id)`) by the principal that started it and the tenant's admins.
 *
 * Where the request may commit in steps (the upload routes), the job's row is committed
 * first, then every batch of 1,000 rows together with its per-row results and the job's
 * progress: a process that dies loses only the batch it was writing, which the job never
 * counted. Such a job stays RUNNING past its lease and reads as INTERRUPTED; sending the same
 * file with the same key resumes it at its first batch not done. Each step reads the
 * principal again, so a revoked credential stops the job at its next batch. Where it may not
 * (the GraphQL mutation, up to 1 MiB), the job commits whole with the mutation or not at all.
 *
 * The same key with the same file again: the finished job's stored results (nothing
 * written); with another file: CONFLICT; while the job runs elsewhere: CONFLICT naming it. A
 * dry run is a new job every time: it checks the data as it is now.
 */

/** How long a running job may go without finishing a batch before it counts as interrupted. */
export const JOB_LEASE = '2 minutes';

export enum ImportJobState {
  RUNNING = 'RUNNING',
  SUCCEEDED = 'SUCCEEDED',
  INTERRUPTED = 'INTERRUPTED',
}

export type ImportJobRecord = {
  id: string;
  tenantId: string;
  tenantCode: string;
  idempotencyKey: string;
  dryRun: boolean;
  rowKind: SheetKind['name'];
  format: SheetFormat;
  mapping: SheetImportOptions['mapping'];
  fileHash: string;
  state: ImportJobState;
  rowsTotal: number;
  rowsDone: number;
  batchesTotal: number;
  batchesDone: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  applied: boolean;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
};

const JOB_COLUMNS = `j.id, j.tenant_id AS "tenantId", t.code AS "tenantCode",
  j.idempotency_key AS "idempotencyKey", j.dry_run AS "dryRun", j.row_kind AS "rowKind",
  j.format, j.mapping, j.file_hash AS "fileHash",
  CASE WHEN j.state = 'RUNNING' AND j.lease_until < now() THEN 'INTERRUPTED' ELSE j.state END
    AS state,
  j.rows_total AS "rowsTotal", j.rows_done AS "rowsDone", j.batches_total AS "batchesTotal",
  j.batches_done AS "batchesDone", j.created, j.updated, j.unchanged, j.invalid, j.applied,
  j.last_error AS "lastError", j.created_at AS "createdAt", j.updated_at AS "updatedAt",
  j.finished_at AS "finishedAt"`;

/** The job's answer as the upload routes give it: the job, its counts and every row. */
export type SheetJobResult = SheetImportResult & { job: { id: string; state: ImportJobState } };

/**
 * Runs (or resumes, or replays) the import job of `file`: reads it, claims the job of the key,
 * sends the batches not done yet and answers the job with every row's result.
 */
export async function importSheet(
  ctx: RequestContext,
  kind: SheetKind,
  format: SheetFormat,
  file: Buffer,
  options: SheetImportOptions,
): Promise<SheetJobResult> {
  checkIdempotencyKey(options.idempotencyKey);
  const tenantId = writerTenantOf(ctx, options.tenantCode);
  const read = await readSheet(kind, format, file, options.mapping);
  const batches = Math.ceil(read.items.length / SHEET_BATCH);
  const spec = {
    tenantId,
    key: options.idempotencyKey,
    dryRun: options.dryRun,
    kind: kind.name,
    format,
    mapping: options.mapping,
    fileHash: createHash('sha256').update(file).digest('hex'),
    rowsTotal: read.total,
    batchesTotal: batches,
  };
  const claimed = await claimJob(ctx, spec, read.refused);
  let job = claimed.job;
  if (claimed.mode === 'replay') return answerOf(ctx, job, true);
  const steps = ctx.commitsInSteps;
  if (steps) await ctx.commitStep();
  for (let n = job.batchesDone + 1; n <= batches; n++) {
    const batch = read.items.slice((n - 1) * SHEET_BATCH, n * SHEET_BATCH);
    try {
      const result = await importBatch(ctx, kind, batch, { ...options, batch: n });
      await recordBatch(ctx, job, n, result.applied, result.rows);
      if (steps) await ctx.commitStep();
    } catch (error) {
      if (steps) await interrupt(ctx, job, error);
      throw error;
    }
  }
  job = (await findJob(ctx, job.id, tenantId))!;
  return answerOf(ctx, job, false);
}

type JobSpec = {
  tenantId: string;
  key: string;
  dryRun: boolean;
  kind: SheetKind['name'];
  format: SheetFormat;
  mapping: SheetImportOptions['mapping'];
  fileHash: string;
  rowsTotal: number;
  batchesTotal: number;
};

/**
 * The job of the key: a new one (with the rows refused while reading), one to resume (its
 * lease expired: taken over here), or a finished one to replay. The INSERT takes the key's row
 * lock, so a concurrent request with the same key waits for this one's first step.
 */
async function claimJob(
  ctx: RequestContext,
  spec: JobSpec,
  refused: SheetRowResult[],
): Promise<{ job: ImportJobRecord; mode: 'new' | 'resume' | 'replay' }> {
  // A file whose every row was refused while reading has no batch: its job is done at once.
  const done = spec.batchesTotal === 0;
  const invalid = refused.length;
  const inserted = await ctx.tx.query<{ id: string }>(
    `INSERT INTO import_jobs AS j (tenant_id, principal, idempotency_key, dry_run, row_kind,
       format, mapping, file_hash, state, rows_total, rows_done, batches_total, invalid,
       lease_until, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11,
       now() + interval '${JOB_LEASE}', CASE WHEN $13 THEN now() END)
     ON CONFLICT (tenant_id, principal, idempotency_key) WHERE NOT dry_run DO NOTHING
     RETURNING j.id`,
    [
      spec.tenantId,
      ctx.access.actor,
      spec.key,
      spec.dryRun,
      spec.kind,
      spec.format,
      spec.mapping,
      spec.fileHash,
      done ? ImportJobState.SUCCEEDED : ImportJobState.RUNNING,
      spec.rowsTotal,
      invalid,
      spec.batchesTotal,
      done,
    ],
  );
  if (inserted[0]) {
    const job = (await findJob(ctx, inserted[0].id, spec.tenantId))!;
    await insertRows(ctx, job, refused);
    return { job, mode: 'new' };
  }
  const existing = await ownJob(ctx, spec.tenantId, spec.key, spec.dryRun);
  if (
    !existing ||
    existing.fileHash !== spec.fileHash ||
    existing.rowKind !== spec.kind ||
    existing.format !== spec.format ||
    existing.mapping !== spec.mapping
  ) {
    throw conflict('This idempotency key was used with a different file', {
      field: 'idempotencyKey',
    });
  }
  if (existing.state === ImportJobState.SUCCEEDED) return { job: existing, mode: 'replay' };
  const taken = await ctx.tx.query<{ id: string }>(
    `UPDATE import_jobs SET lease_until = now() + interval '${JOB_LEASE}', updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND state = 'RUNNING' AND lease_until < now()
     RETURNING id`,
    [spec.tenantId, existing.id],
  );
  if (taken.length === 0) {
    throw conflict(
      `The import job ${existing.id} with this idempotency key is still running; query importJob for its progress`,
      { field: 'idempotencyKey', jobId: existing.id },
    );
  }
  return { job: { ...existing, state: ImportJobState.RUNNING }, mode: 'resume' };
}

/** Stores batch `n`'s rows and counts it done; the last batch finishes the job. */
async function recordBatch(
  ctx: RequestContext,
  job: ImportJobRecord,
  n: number,
  applied: boolean,
  rows: SheetRowResult[],
): Promise<void> {
  await insertRows(ctx, job, rows);
  const count = (status: ImportItemStatus) => rows.filter((r) => r.status === status).length;
  // The last batch finishes the job. Chosen here rather than by `CASE WHEN … THEN now()`:
  // Citus refuses a non-IMMUTABLE function inside CASE in an UPDATE (docs/scaling.md).
  const last = n === job.batchesTotal;
  const progressed = await ctx.tx.query<{ id: string }>(
    `UPDATE import_jobs SET batches_done = $3, rows_done = rows_done + $4,
       created = created + $5, updated = updated + $6, unchanged = unchanged + $7,
       invalid = invalid + $8, applied = applied OR $9, last_error = NULL,
       lease_until = now() + interval '${JOB_LEASE}', updated_at = now()
       ${last ? `, state = 'SUCCEEDED', finished_at = now()` : ''}
     WHERE tenant_id = $1 AND id = $2 AND batches_done = $3 - 1
       ${last ? 'AND batches_total = $3' : ''}
     RETURNING id`,
    [
      job.tenantId,
      job.id,
      n,
      rows.length,
      count(ImportItemStatus.CREATED),
      count(ImportItemStatus.UPDATED),
      count(ImportItemStatus.UNCHANGED),
      count(ImportItemStatus.INVALID),
      applied,
    ],
  );
  // Only a request holding the lease gets here; a second one would have to have taken over an
  // expired lease in between, and its writes and this one's would then both be the same
  // replayed batches. Refused rather than counted twice.
  if (progressed.length === 0) {
    throw conflict(`The import job ${job.id} was taken over by another request`);
  }
}

async function insertRows(
  ctx: RequestContext,
  job: ImportJobRecord,
  rows: SheetRowResult[],
): Promise<void> {
  // Multi-row VALUES, not INSERT … SELECT FROM unnest: Citus would make the latter a COPY,
  // which row-level security refuses. A batch has at most 1,000 rows: 6,003 parameters.
  for (let start = 0; start < rows.length; start += 1000) {
    const params: unknown[] = [job.tenantId, job.id, ctx.access.actor];
    const tuples = rows.slice(start, start + 1000).map((r) => {
      const p = (value: unknown) => param(params, value);
      return (
        `($1::uuid, $2::uuid, $3, ${p(r.row)}::int, ${p(r.externalId?.slice(0, 1000) ?? null)}, ` +
        `${p(r.status)}, ${p(r.id)}::uuid, ${p(r.field)}, ${p(r.message?.slice(0, 2000) ?? null)})`
      );
    });
    await ctx.tx.query(
      `INSERT INTO import_job_rows (tenant_id, job_id, principal, file_row, external_id, status,
         entity_id, field, message)
       VALUES ${tuples.join(', ')}`,
      params,
    );
  }
}

/**
 * A batch failed: gives up its writes, and marks the job interrupted at once (its lease ends
 * now) with a message a client may read, so that a retry with the same file resumes it.
 */
async function interrupt(ctx: RequestContext, job: ImportJobRecord, error: unknown): Promise<void> {
  const message =
    error instanceof DomainError
      ? error.message
      : `The batch failed on the server (request ${ctx.requestId}); send the same file with the same key to resume`;
  try {
    await ctx.commitStep('ROLLBACK');
    await ctx.tx.query(
      `UPDATE import_jobs SET lease_until = now(), last_error = $3, updated_at = now()
       WHERE tenant_id = $1 AND id = $2 AND state = 'RUNNING'`,
      [job.tenantId, job.id, message.slice(0, 1000)],
    );
    await ctx.commitStep();
  } catch (cause) {
    // The connection or the credential is gone: the lease runs out on its own.
    ctx.log.warn({ err: cause, jobId: job.id }, 'could not mark an import job interrupted');
  }
}

/** A job the principal may read (its own; every job of a tenant it administers), or null. */
export async function findJob(
  ctx: RequestContext,
  id: string,
  tenantId?: string,
): Promise<ImportJobRecord | null> {
  const params: unknown[] = [id];
  const where = [`j.id = $1`, ctx.access.importJobVisibleSql('j.tenant_id', 'j.principal', params)];
  if (tenantId) {
    params.push(tenantId);
    where.push(`j.tenant_id = $${params.length}`);
  }
  const [job] = await ctx.tx.query<ImportJobRecord>(
    `SELECT ${JOB_COLUMNS} FROM import_jobs j JOIN tenants t ON t.id = j.tenant_id
     WHERE ${where.join(' AND ')}`,
    params,
  );
  return job ?? null;
}

/** The principal's own job of a key in a tenant where it writes, or null. */
export async function findOwnJob(
  ctx: RequestContext,
  tenantCode: string,
  key: string,
  dryRun: boolean,
): Promise<ImportJobRecord | null> {
  return ownJob(ctx, writerTenantOf(ctx, tenantCode), key, dryRun);
}

/** The principal's job of a key (of dry runs: the latest). */
async function ownJob(
  ctx: RequestContext,
  tenantId: string,
  key: string,
  dryRun: boolean,
): Promise<ImportJobRecord | null> {
  const [job] = await ctx.tx.query<ImportJobRecord>(
    `SELECT ${JOB_COLUMNS} FROM import_jobs j JOIN tenants t ON t.id = j.tenant_id
     WHERE j.tenant_id = $1 AND j.principal = $2 AND j.idempotency_key = $3 AND j.dry_run = $4
     ORDER BY j.created_at DESC LIMIT 1`,
    [tenantId, ctx.access.actor, key, dryRun],
  );
  return job ?? null;
}

/** A page of a job's per-row results, in file order, after row `after`. */
export async function jobRows(
  ctx: RequestContext,
  job: ImportJobRecord,
  page: { after: number; limit: number; status: ImportItemStatus | null },
): Promise<SheetRowResult[]> {
  const params: unknown[] = [job.tenantId, job.id, page.after, page.limit];
  const where = [
    `r.tenant_id = $1`,
    `r.job_id = $2`,
    `r.file_row > $3`,
    ctx.access.importJobVisibleSql('r.tenant_id', 'r.principal', params),
  ];
  if (page.status) {
    params.push(page.status);
    where.push(`r.status = $${params.length}`);
  }
  return ctx.tx.query<SheetRowResult>(
    `SELECT r.file_row AS row, r.external_id AS "externalId", r.status, r.entity_id AS id,
       r.field, r.message
     FROM import_job_rows r WHERE ${where.join(' AND ')}
     ORDER BY r.file_row LIMIT $4`,
    params,
  );
}

/** How many per-row results a job holds (of one outcome). */
export async function countJobRows(
  ctx: RequestContext,
  job: ImportJobRecord,
  status: ImportItemStatus | null,
): Promise<number> {
  const params: unknown[] = [job.tenantId, job.id];
  const where = [
    `r.tenant_id = $1`,
    `r.job_id = $2`,
    ctx.access.importJobVisibleSql('r.tenant_id', 'r.principal', params),
  ];
  if (status) {
    params.push(status);
    where.push(`r.status = $${params.length}`);
  }
  const [row] = await ctx.tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM import_job_rows r WHERE ${where.join(' AND ')}`,
    params,
  );
  return row?.n ?? 0;
}

async function answerOf(
  ctx: RequestContext,
  job: ImportJobRecord,
  replayed: boolean,
): Promise<SheetJobResult> {
  const rows = await jobRows(ctx, job, {
    after: 0,
    limit: job.rowsTotal + 1,
    status: null,
  });
  return {
    job: { id: job.id, state: job.state },
    applied: job.applied,
    replayed,
    dryRun: job.dryRun,
    batches: job.batchesTotal,
    created: job.created,
    updated: job.updated,
    unchanged: job.unchanged,
    invalid: job.invalid,
    rows,
  };
}
