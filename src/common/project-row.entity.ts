import {
  Check,
  Column,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { CommunityEntity } from '../modules/community/community.entity';
import { OrganisationEntity } from '../modules/organisation/organisation.entity';
import { ProjectEntity } from '../modules/project/project.entity';
import { VersionedRow } from './versioned-row';

/**
 * The columns and references every table of project rows has (activities, measurements), as
 * the migration named them after `table`: the composite key, the project and community of
 * the row's tenant, who recorded it, the recorder's own id (unique per tenant and recorder,
 * under `externalIdKey`: PostgreSQL shortened the generated names to 63 bytes) and the
 * soft-delete mark.
 */
export function ProjectRowEntity(table: string, externalIdKey: string) {
  @Unique(externalIdKey, ['tenantId', 'recordedByOrganisationId', 'externalId'])
  @Check(`${table}_external_id_check`, 'length(external_id) BETWEEN 1 AND 200')
  @Check(
    `${table}_approval_state_check`,
    `approval_state IN ('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED')`,
  )
  abstract class ProjectRow extends VersionedRow {
    @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: `${table}_pkey` })
    tenantId!: string;

    @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: `${table}_pkey` })
    id!: string;

    @Column({ name: 'project_id', type: 'uuid' })
    projectId!: string;

    @Column({ name: 'community_id', type: 'uuid', nullable: true })
    communityId!: string | null;

    @Column({ name: 'recorded_by_organisation_id', type: 'uuid' })
    recordedByOrganisationId!: string;

    /** The recording organisation's own id for the row, which makes imports idempotent. */
    @Column({ name: 'external_id', type: 'text', nullable: true })
    externalId!: string | null;

    @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
    deletedAt!: Date | null;

    /**
     * Its period's approval state as of the last transition: DRAFT when a request writes it
     * (approved when the owner does: seeds, fixtures). See the approval module.
     */
    @Column({
      name: 'approval_state',
      type: 'text',
      default: () => 'new_row_approval_state()',
    })
    approvalState!: string;

    @ManyToOne(() => ProjectEntity, { nullable: false, onDelete: 'RESTRICT' })
    @JoinColumn([
      {
        name: 'tenant_id',
        referencedColumnName: 'tenantId',
        foreignKeyConstraintName: `${table}_tenant_id_project_id_fkey`,
      },
      { name: 'project_id', referencedColumnName: 'id' },
    ])
    project?: ProjectEntity;

    @ManyToOne(() => CommunityEntity, { nullable: true, onDelete: 'RESTRICT' })
    @JoinColumn([
      {
        name: 'tenant_id',
        referencedColumnName: 'tenantId',
        foreignKeyConstraintName: `${table}_tenant_id_community_id_fkey`,
      },
      { name: 'community_id', referencedColumnName: 'id' },
    ])
    community?: CommunityEntity | null;

    @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'RESTRICT' })
    @JoinColumn({
      name: 'recorded_by_organisation_id',
      foreignKeyConstraintName: `${table}_recorded_by_organisation_id_fkey`,
    })
    recordedByOrganisation?: OrganisationEntity;
  }
  return ProjectRow;
}
