import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Spreadsheet imports as jobs (docs/spreadsheets.md):
 *
 * - `import_jobs`: one per (tenant, principal, idempotency key), dry runs aside (each is a new
 *   job: a dry run checks the data as it is now, never replays): the file's hash (the same key
 *   with another file is refused), how far it got (`batches_done`, `rows_done` of
 *   `rows_total`), its counts by outcome and a lease. An upload commits the job's row first,
 *   then each batch of 1,000 rows with its writes, its per-row results and the job's progress
 *   in one transaction, so a process that dies loses at most the batch it was writing, which
 *   the job never counted: a job still `RUNNING` past its lease was interrupted, and sending
 *   the same file with the same key resumes it at its first batch not done.
 * - `import_job_rows`: the per-row results, keyed by the row's number in the file.
 *
 * Both are read by the principal that started the job (in tenants where it writes) and by the
 * tenant's administrators; written only by the principal that started it. `principal` is on
 * the rows as well so that their policy needs no sub-query (Citus), and the foreign key
 * includes it, so a row never names another principal's job. Distributed by tenant on Citus.
 */
export class SpreadsheetImportJobs1796183002376 implements MigrationInterface {
  name = 'SpreadsheetImportJobs1796183002376';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`
      CREATE TABLE import_jobs (
        tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        principal text NOT NULL CHECK (length(principal) BETWEEN 1 AND 200),
        idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 190),
        dry_run boolean NOT NULL,
        row_kind text NOT NULL CHECK (row_kind IN ('activities', 'measurements')),
        format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
        mapping text NOT NULL CHECK (mapping IN ('standard', 'kobo')),
        file_hash text NOT NULL CHECK (file_hash ~ '^[0-9a-f]{64}$'),
        state text NOT NULL DEFAULT 'RUNNING' CHECK (state IN ('RUNNING', 'SUCCEEDED')),
        rows_total integer NOT NULL CHECK (rows_total >= 0),
        rows_done integer NOT NULL DEFAULT 0 CHECK (rows_done BETWEEN 0 AND rows_total),
        batches_total integer NOT NULL CHECK (batches_total >= 0),
        batches_done integer NOT NULL DEFAULT 0 CHECK (batches_done BETWEEN 0 AND batches_total),
        created integer NOT NULL DEFAULT 0 CHECK (created >= 0),
        updated integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
        unchanged integer NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
        invalid integer NOT NULL DEFAULT 0 CHECK (invalid >= 0),
        applied boolean NOT NULL DEFAULT false,
        last_error text CHECK (length(last_error) <= 1000),
        lease_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        CONSTRAINT import_jobs_owner UNIQUE (tenant_id, id, principal),
        CHECK ((state = 'SUCCEEDED') = (finished_at IS NOT NULL))
      )`);
    // One job per key; dry runs are never replayed (each checks the data as it is now).
    await db.query(`CREATE UNIQUE INDEX import_jobs_key ON import_jobs
      (tenant_id, principal, idempotency_key) WHERE NOT dry_run`);
    await db.query(`CREATE INDEX import_jobs_dry_run_idx ON import_jobs
      (tenant_id, principal, idempotency_key, created_at) WHERE dry_run`);
    await db.query(`
      CREATE TABLE import_job_rows (
        tenant_id uuid NOT NULL,
        job_id uuid NOT NULL,
        principal text NOT NULL,
        file_row integer NOT NULL CHECK (file_row >= 2),
        external_id text CHECK (length(external_id) <= 1000),
        status text NOT NULL CHECK (status IN ('CREATED', 'UPDATED', 'UNCHANGED', 'INVALID')),
        entity_id uuid,
        field text CHECK (length(field) <= 200),
        message text CHECK (length(message) <= 2000),
        PRIMARY KEY (tenant_id, job_id, file_row),
        CONSTRAINT import_job_rows_job_fkey FOREIGN KEY (tenant_id, job_id, principal)
          REFERENCES import_jobs (tenant_id, id, principal) ON DELETE CASCADE
      )`);
    await db.query(
      `CREATE INDEX import_job_rows_job_idx ON import_job_rows (tenant_id, job_id, principal)`,
    );
    for (const table of ['import_jobs', 'import_job_rows']) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    for (const statement of POLICIES_AND_GRANTS) await db.query(statement);
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(`SELECT distribute_tables()`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`DROP TABLE import_job_rows`);
    await db.query(`DROP TABLE import_jobs`);
  }
}

// Policies in the form Citus accepts: no sub-query (see policies-without-subqueries).
const WRITE = `(app_uuid_setting('app.write_tenant_ids'))`;
const ADMIN = `(app_uuid_setting('app.admin_tenant_ids'))`;
const ACTOR = `current_setting('app.actor', true)`;
const own = `(tenant_id = ANY ${WRITE} AND principal = ${ACTOR})`;
const readable = `(${own} OR tenant_id = ANY ${ADMIN})`;

const POLICIES_AND_GRANTS: string[] = [
  `CREATE POLICY readable ON import_jobs FOR SELECT USING ${readable}`,
  `CREATE POLICY start ON import_jobs FOR INSERT WITH CHECK ${own}`,
  `CREATE POLICY progress ON import_jobs FOR UPDATE USING ${own} WITH CHECK ${own}`,
  // Whole-table INSERT: on Citus the coordinator names the defaulted columns (id, created_at)
  // in what it sends to the shards (see citus-shard-insert-grants).
  `GRANT SELECT, INSERT ON import_jobs TO dg_app`,
  `GRANT UPDATE (state, rows_done, batches_done, created, updated, unchanged, invalid, applied,
     last_error, lease_until, updated_at, finished_at) ON import_jobs TO dg_app`,
  `CREATE POLICY readable ON import_job_rows FOR SELECT USING ${readable}`,
  `CREATE POLICY record ON import_job_rows FOR INSERT WITH CHECK ${own}`,
  `GRANT SELECT, INSERT ON import_job_rows TO dg_app`,
];

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
