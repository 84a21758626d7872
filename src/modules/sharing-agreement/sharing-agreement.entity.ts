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

/** The finest level at which a sharing agreement lets aggregates be broken down. */
export enum AggregationLevel {
  TENANT = 'TENANT',
  REGION = 'REGION',
  PROJECT = 'PROJECT',
}

/** A tenant's consent that one organisation may read aggregates of some indicators, within limits. */
@Entity({ name: 'sharing_agreements' })
@Check('sharing_agreements_finest_level_check', `finest_level IN ('TENANT', 'REGION', 'PROJECT')`)
@Check('sharing_agreements_min_cell_size_check', 'min_cell_size >= 3')
@Check('sharing_agreements_allowed_group_by_check', `NOT ('COMMUNITY' = ANY (allowed_group_by))`)
@Check('sharing_agreements_check', 'expires_at IS NULL OR expires_at > valid_from')
@Check('sharing_agreements_max_deviation_check', 'max_deviation BETWEEN 1 AND 10')
@Check(
  'sharing_agreements_deviation_variance_check',
  'deviation_variance > 0 AND deviation_variance <= (max_deviation + 1) * (2 * max_deviation + 1) / 6.0',
)
@Check('sharing_agreements_value_deviation_check', 'value_deviation > 0 AND value_deviation <= 50')
@Index('sharing_agreements_recipient_idx', ['recipientOrganisationId', 'tenantId'])
@Index('sharing_agreements_tenant_created_idx', ['tenantId', 'createdAt', 'id'])
export class SharingAgreementEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'sharing_agreements_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'sharing_agreements_pkey',
  })
  id!: string;

  @Column({ name: 'recipient_organisation_id', type: 'uuid' })
  recipientOrganisationId!: string;

  @Column({ name: 'indicator_ids', type: 'uuid', array: true })
  indicatorIds!: string[];

  /** Dimensions the recipient may group by; never COMMUNITY. */
  @Column({ name: 'allowed_group_by', type: 'text', array: true })
  allowedGroupBy!: string[];

  @Column({ name: 'finest_level', type: 'text' })
  finestLevel!: AggregationLevel;

  @Column({ name: 'min_cell_size', type: 'integer' })
  minCellSize!: number;

  /** Cell-key perturbation: the largest deviation of a count (D). */
  @Column({ name: 'max_deviation', type: 'integer', default: 2 })
  maxDeviation!: number;

  /** Cell-key perturbation: the variance of a count's deviation (V). */
  @Column({ name: 'deviation_variance', type: 'numeric', default: 1 })
  deviationVariance!: string;

  /** Cell-key perturbation: how many respondents' worth a mean may move by. */
  @Column({ name: 'value_deviation', type: 'numeric', default: 2 })
  valueDeviation!: string;

  @Column({ name: 'valid_from', type: 'timestamptz' })
  validFrom!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'approved_by', type: 'text' })
  approvedBy!: string;

  @Column({ name: 'approved_at', type: 'timestamptz', default: () => 'now()' })
  approvedAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'sharing_agreements_tenant_id_fkey' })
  tenant?: TenantEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'recipient_organisation_id',
    foreignKeyConstraintName: 'sharing_agreements_recipient_organisation_id_fkey',
  })
  recipientOrganisation?: OrganisationEntity;
}
