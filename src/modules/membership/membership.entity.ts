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

/**
 * One role a user holds in one tenant on behalf of one organisation; revoked, never deleted.
 * Granted by e-mail address it is an invitation (no user) until that user signs in.
 */
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
// Expression indexes on lower(invited_email), which TypeORM cannot describe: the migration's.
@Index('memberships_pending_invitation_uq', { synchronize: false })
@Index('memberships_pending_email_idx', { synchronize: false })
@Check('memberships_invited_email_check', 'length(invited_email) BETWEEN 3 AND 320')
@Check('memberships_holder_check', 'user_id IS NOT NULL OR invited_email IS NOT NULL')
@Index('memberships_organisation_idx', ['organisationId'])
export class MembershipEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'memberships_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'memberships_pkey' })
  id!: string;

  /** Null while an invitation waits for a user with `invitedEmail` to sign in. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'invited_email', type: 'text', nullable: true })
  invitedEmail!: string | null;

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

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'memberships_user_id_fkey' })
  user?: UserEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'memberships_organisation_id_fkey',
  })
  organisation?: OrganisationEntity;
}
