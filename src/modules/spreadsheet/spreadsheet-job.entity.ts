import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { TenantEntity } from '../tenant/tenant.entity';

/*
 * The spreadsheet import jobs' tables (migrations/1796183002376-spreadsheet-import-jobs.ts),
 * read and written by the module's SQL (spreadsheet.jobs.ts); the entities describe them for
 * TypeORM, and test/integration/entities.test.ts proves they match.
 */

/** One import of a file: how far it got, its counts by outcome and its lease. */
@Entity({ name: 'import_jobs' })
@Check('import_jobs_principal_check', 'length(principal) BETWEEN 1 AND 200')
@Check('import_jobs_idempotency_key_check', 'length(idempotency_key) BETWEEN 1 AND 190')
@Check('import_jobs_row_kind_check', `row_kind IN ('activities', 'measurements')`)
@Check('import_jobs_format_check', `format IN ('csv', 'xlsx')`)
@Check('import_jobs_mapping_check', `mapping IN ('standard', 'kobo')`)
@Check('import_jobs_file_hash_check', `file_hash ~ '^[0-9a-f]{64}$'`)
@Check('import_jobs_state_check', `state IN ('RUNNING', 'SUCCEEDED')`)
@Check('import_jobs_rows_total_check', 'rows_total >= 0')
@Check('import_jobs_check', 'rows_done BETWEEN 0 AND rows_total')
@Check('import_jobs_batches_total_check', 'batches_total >= 0')
@Check('import_jobs_check1', 'batches_done BETWEEN 0 AND batches_total')
@Check('import_jobs_created_check', 'created >= 0')
@Check('import_jobs_updated_check', 'updated >= 0')
@Check('import_jobs_unchanged_check', 'unchanged >= 0')
@Check('import_jobs_invalid_check', 'invalid >= 0')
@Check('import_jobs_last_error_check', 'length(last_error) <= 1000')
@Check('import_jobs_check2', `(state = 'SUCCEEDED') = (finished_at IS NOT NULL)`)
@Unique('import_jobs_owner', ['tenantId', 'id', 'principal'])
@Index('import_jobs_key', ['tenantId', 'principal', 'idempotencyKey'], {
  unique: true,
  where: 'NOT dry_run',
})
@Index('import_jobs_dry_run_idx', ['tenantId', 'principal', 'idempotencyKey', 'createdAt'], {
  where: 'dry_run',
})
export class ImportJobEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'import_jobs_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'import_jobs_pkey' })
  id!: string;

  /** The principal that started it (`user:<id>`, `apikey:<id>`): the only one that writes it. */
  @Column({ name: 'principal', type: 'text' })
  principal!: string;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'dry_run', type: 'boolean' })
  dryRun!: boolean;

  @Column({ name: 'row_kind', type: 'text' })
  rowKind!: 'activities' | 'measurements';

  @Column({ name: 'format', type: 'text' })
  format!: 'csv' | 'xlsx';

  @Column({ name: 'mapping', type: 'text' })
  mapping!: 'standard' | 'kobo';

  /** SHA-256 of the file: the same key with another file is refused. */
  @Column({ name: 'file_hash', type: 'text' })
  fileHash!: string;

  @Column({ name: 'state', type: 'text', default: 'RUNNING' })
  state!: 'RUNNING' | 'SUCCEEDED';

  @Column({ name: 'rows_total', type: 'integer' })
  rowsTotal!: number;

  @Column({ name: 'rows_done', type: 'integer', default: 0 })
  rowsDone!: number;

  @Column({ name: 'batches_total', type: 'integer' })
  batchesTotal!: number;

  @Column({ name: 'batches_done', type: 'integer', default: 0 })
  batchesDone!: number;

  @Column({ name: 'created', type: 'integer', default: 0 })
  created!: number;

  @Column({ name: 'updated', type: 'integer', default: 0 })
  updated!: number;

  @Column({ name: 'unchanged', type: 'integer', default: 0 })
  unchanged!: number;

  @Column({ name: 'invalid', type: 'integer', default: 0 })
  invalid!: number;

  @Column({ name: 'applied', type: 'boolean', default: false })
  applied!: boolean;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  /** Until when the upload running it holds it; a RUNNING job past it was interrupted. */
  @Column({ name: 'lease_until', type: 'timestamptz' })
  leaseUntil!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'import_jobs_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/** The result of one row of a job's file, keyed by the row's number in the file. */
@Entity({ name: 'import_job_rows' })
@Check('import_job_rows_file_row_check', 'file_row >= 2')
@Check('import_job_rows_external_id_check', 'length(external_id) <= 1000')
@Check('import_job_rows_status_check', `status IN ('CREATED', 'UPDATED', 'UNCHANGED', 'INVALID')`)
@Check('import_job_rows_field_check', 'length(field) <= 200')
@Check('import_job_rows_message_check', 'length(message) <= 2000')
@Index('import_job_rows_job_idx', ['tenantId', 'jobId', 'principal'])
export class ImportJobRowEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'import_job_rows_pkey',
  })
  tenantId!: string;

  @PrimaryColumn({ name: 'job_id', type: 'uuid', primaryKeyConstraintName: 'import_job_rows_pkey' })
  jobId!: string;

  /** The job's principal again, so that the row's policy needs no sub-query (Citus). */
  @Column({ name: 'principal', type: 'text' })
  principal!: string;

  @PrimaryColumn({
    name: 'file_row',
    type: 'integer',
    primaryKeyConstraintName: 'import_job_rows_pkey',
  })
  fileRow!: number;

  @Column({ name: 'external_id', type: 'text', nullable: true })
  externalId!: string | null;

  @Column({ name: 'status', type: 'text' })
  status!: 'CREATED' | 'UPDATED' | 'UNCHANGED' | 'INVALID';

  @Column({ name: 'entity_id', type: 'uuid', nullable: true })
  entityId!: string | null;

  @Column({ name: 'field', type: 'text', nullable: true })
  field!: string | null;

  @Column({ name: 'message', type: 'text', nullable: true })
  message!: string | null;

  @ManyToOne(() => ImportJobEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'import_job_rows_job_fkey',
    },
    { name: 'job_id', referencedColumnName: 'id' },
    { name: 'principal', referencedColumnName: 'principal' },
  ])
  job?: ImportJobEntity;
}
