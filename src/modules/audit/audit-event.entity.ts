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
import { TenantEntity } from '../tenant/tenant.entity';

/** Who caused an audit event: PrincipalKind's two kinds, plus the system itself (jobs, migrations). */
export enum AuditPrincipalKind {
  USER = 'USER',
  API_KEY = 'API_KEY',
  SYSTEM = 'SYSTEM',
}

/** One entry of a tenant's append-only audit log: who changed what, with before and after. */
@Entity({ name: 'audit_events' })
@Check('audit_events_principal_kind_check', `principal_kind IN ('USER', 'API_KEY', 'SYSTEM')`)
// (tenant_id, occurred_at DESC, id DESC) in the migration; TypeORM does not compare order.
@Index('audit_events_tenant_time_idx', ['tenantId', 'occurredAt', 'id'])
@Index('audit_events_entity_idx', ['tenantId', 'entityType', 'entityId'])
@Index('audit_events_organisation_idx', ['organisationId'])
export class AuditEventEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'audit_events_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'audit_events_pkey' })
  id!: string;

  /** clock_timestamp(), not now(): events of one transaction keep their order. */
  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  occurredAt!: Date;

  /** The server's id of the request (never the client's). */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  /** The client's own X-Request-Id, when it sent a well-formed one: its word, not ours. */
  @Column({ name: 'client_request_id', type: 'text', nullable: true })
  clientRequestId!: string | null;

  @Column({ name: 'principal_kind', type: 'text' })
  principalKind!: AuditPrincipalKind;

  @Column({ name: 'principal_id', type: 'text' })
  principalId!: string;

  @Column({ name: 'organisation_id', type: 'uuid', nullable: true })
  organisationId!: string | null;

  @Column({ name: 'action', type: 'text' })
  action!: string;

  @Column({ name: 'entity_type', type: 'text' })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'text', nullable: true })
  entityId!: string | null;

  @Column({ name: 'before', type: 'jsonb', nullable: true })
  before!: Record<string, unknown> | null;

  @Column({ name: 'after', type: 'jsonb', nullable: true })
  after!: Record<string, unknown> | null;

  @Column({ name: 'details', type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'audit_events_tenant_id_fkey' })
  tenant?: TenantEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'audit_events_organisation_id_fkey',
  })
  organisation?: OrganisationEntity | null;
}
