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
import { Role } from '../../auth/principal';
import { OrganisationEntity } from '../organisation/organisation.entity';
import { TenantEntity } from '../tenant/tenant.entity';
import { UserEntity } from '../user/user.entity';

/** One role a user holds in one tenant on behalf of one organisation; revoked, never deleted. */
@Entity({ name: 'memberships' })
@Check(
  'memberships_role_check',
  `role IN ('TENANT_ADMIN', 'PARTNER_EDITOR', 'PARTNER_VIEWER', 'AGGREGATE_ANALYST')`,
)
@Index('memberships_active_uq', ['tenantId', 'userId', 'organisationId', 'role'], {
  unique: true,
  where: 'revoked_at IS NULL',
})
@Index('memberships_user_idx', ['userId'])
@Index('memberships_organisation_idx', ['organisationId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'memberships_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'memberships_pkey' })
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  /** Never PLATFORM_ADMIN: that is a flag on the user, not a membership. */
  @Column({ name: 'role', type: 'text' })
  role!: Role;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'memberships_tenant_id_fkey' })
  tenant?: TenantEntity;

  @ManyToOne(() => UserEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'memberships_user_id_fkey' })
  user?: UserEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'memberships_organisation_id_fkey',
  })
  organisation?: OrganisationEntity;
}
