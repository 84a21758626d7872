import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { OrganisationEntity } from '../organisation/organisation.entity';
import { ProjectEntity } from '../project/project.entity';
import { TenantEntity } from '../tenant/tenant.entity';

/*
 * The approval workflow's tables (migrations/1796168209293-approval-and-locks.ts): a tenant's
 * settings, the state of each project's reporting period, its append-only history and the
 * lock exceptions admins grant.
 */

/** Where a reporting period stands (and, through it, each of its rows). */
export enum ApprovalState {
  DRAFT = 'DRAFT',
  SUBMITTED = 'SUBMITTED',
  APPROVED = 'APPROVED',
  RETURNED = 'RETURNED',
}

/** How long a project's reporting periods are. */
export enum ReportingPeriodLength {
  MONTH = 'MONTH',
  QUARTER = 'QUARTER',
  YEAR = 'YEAR',
}

/** Whether an organisation may approve a period it submitted itself. */
export enum SelfApproval {
  NEVER = 'NEVER',
  WHEN_ONLY_ORGANISATION = 'WHEN_ONLY_ORGANISATION',
  ALWAYS = 'ALWAYS',
}

/** A move of a period from one state to another. */
export enum PeriodAction {
  SUBMIT = 'SUBMIT',
  APPROVE = 'APPROVE',
  RETURN = 'RETURN',
  UNAPPROVE = 'UNAPPROVE',
  MIGRATE = 'MIGRATE',
}

@Entity({ name: 'approval_settings' })
@Check('approval_settings_input_window_days_check', 'input_window_days BETWEEN 0 AND 3660')
@Check(
  'approval_settings_self_approval_check',
  `self_approval IN ('NEVER', 'WHEN_ONLY_ORGANISATION', 'ALWAYS')`,
)
export class ApprovalSettingsEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'approval_settings_pkey',
  })
  tenantId!: string;

  /** Days after a period's end during which it still accepts input; 0: always open. */
  @Column({ name: 'input_window_days', type: 'integer', default: 0 })
  inputWindowDays!: number;

  @Column({ name: 'self_approval', type: 'text', default: 'WHEN_ONLY_ORGANISATION' })
  selfApproval!: SelfApproval;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'text' })
  updatedBy!: string;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'approval_settings_tenant_id_fkey' })
  tenant?: TenantEntity;
}

@Entity({ name: 'reporting_periods' })
@Check('reporting_periods_state_check', `state IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED')`)
@Check('reporting_periods_check', 'period_end >= period_start')
export class ReportingPeriodEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'reporting_periods_pkey',
  })
  tenantId!: string;

  @PrimaryColumn({
    name: 'project_id',
    type: 'uuid',
    primaryKeyConstraintName: 'reporting_periods_pkey',
  })
  projectId!: string;

  @PrimaryColumn({
    name: 'period_start',
    type: 'date',
    primaryKeyConstraintName: 'reporting_periods_pkey',
  })
  periodStart!: string;

  @Column({ name: 'period_end', type: 'date' })
  periodEnd!: string;

  @Column({ name: 'state', type: 'text', default: 'DRAFT' })
  state!: ApprovalState;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @ManyToOne(() => ProjectEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'reporting_periods_tenant_id_project_id_fkey',
    },
    { name: 'project_id', referencedColumnName: 'id' },
  ])
  project?: ProjectEntity;
}

@Entity({ name: 'period_transitions' })
@Check(
  'period_transitions_action_check',
  `action IN ('SUBMIT', 'APPROVE', 'RETURN', 'UNAPPROVE', 'MIGRATE')`,
)
@Check('period_transitions_comment_check', 'length(comment) <= 2000')
@Index('period_transitions_period_idx', ['tenantId', 'projectId', 'periodStart', 'createdAt'])
@Index('period_transitions_organisation_idx', ['organisationId'])
export class PeriodTransitionEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'period_transitions_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'period_transitions_pkey',
  })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ name: 'period_start', type: 'date' })
  periodStart!: string;

  @Column({ name: 'action', type: 'text' })
  action!: PeriodAction;

  @Column({ name: 'from_state', type: 'text' })
  fromState!: ApprovalState;

  @Column({ name: 'to_state', type: 'text' })
  toState!: ApprovalState;

  @Column({ name: 'comment', type: 'text', nullable: true })
  comment!: string | null;

  /** `user:<id>`, `apikey:<id>` or `system:migration`. */
  @Column({ name: 'actor', type: 'text' })
  actor!: string;

  @Column({ name: 'organisation_id', type: 'uuid', nullable: true })
  organisationId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @ManyToOne(() => ReportingPeriodEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'period_transitions_tenant_id_project_id_period_start_fkey',
    },
    { name: 'project_id', referencedColumnName: 'projectId' },
    { name: 'period_start', referencedColumnName: 'periodStart' },
  ])
  period?: ReportingPeriodEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'period_transitions_organisation_id_fkey',
  })
  organisation?: OrganisationEntity | null;
}

@Entity({ name: 'lock_exceptions' })
@Check('lock_exceptions_reason_check', 'length(reason) BETWEEN 1 AND 2000')
@Index('lock_exceptions_period_idx', ['tenantId', 'projectId', 'periodStart', 'until'])
export class LockExceptionEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'lock_exceptions_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'lock_exceptions_pkey' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ name: 'period_start', type: 'date' })
  periodStart!: string;

  @Column({ name: 'until', type: 'timestamptz' })
  until!: Date;

  @Column({ name: 'reason', type: 'text' })
  reason!: string;

  @Column({ name: 'granted_by', type: 'text' })
  grantedBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @ManyToOne(() => ReportingPeriodEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'lock_exceptions_tenant_id_project_id_period_start_fkey',
    },
    { name: 'project_id', referencedColumnName: 'projectId' },
    { name: 'period_start', referencedColumnName: 'periodStart' },
  ])
  period?: ReportingPeriodEntity;
}
