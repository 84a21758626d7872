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
import { VersionedRow } from '../../common/versioned-row';
import { OrganisationEntity } from '../organisation/organisation.entity';
import { TenantEntity } from '../tenant/tenant.entity';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

export enum ProjectStatus {
  PLANNED = 'PLANNED',
  ACTIVE = 'ACTIVE',
  CLOSED = 'CLOSED',
}

export enum ProjectOrganisationRole {
  IMPLEMENTER = 'IMPLEMENTER',
  DONOR = 'DONOR',
  PARTNER = 'PARTNER',
}

/** A funded project of one tenant, under which activities and measurements are recorded. */
@Entity({ name: 'projects' })
@Unique('projects_tenant_id_code_key', ['tenantId', 'code'])
@Check('projects_code_check', 'length(code) BETWEEN 1 AND 50')
@Check('projects_name_check', 'length(name) BETWEEN 1 AND 300')
@Check('projects_status_check', `status IN ('PLANNED', 'ACTIVE', 'CLOSED')`)
@Check('projects_check', 'end_date IS NULL OR end_date >= start_date')
@Check('projects_reporting_period_check', `reporting_period IN ('MONTH', 'QUARTER', 'YEAR')`)
@Index('projects_tenant_name_idx', ['tenantId', 'name', 'id'])
@Index('projects_tenant_start_idx', ['tenantId', 'startDate', 'id'])
@Index('projects_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
// The migration builds it with the gin_trgm_ops operator class, which TypeORM cannot express;
// name, column and method are still compared.
@Index('projects_name_trgm_idx', ['name'], { type: 'gin' })
@Check('projects_source_language_check', SOURCE_LANGUAGE_CHECK)
// search_fold(name) with gin_trgm_ops (issue 21): an expression index, declared by name only.
@Index('projects_name_fold_trgm_idx', { synchronize: false })
export class ProjectEntity extends VersionedRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'projects_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'projects_pkey' })
  id!: string;

  @Column({ name: 'code', type: 'text' })
  code!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'status', type: 'text' })
  status!: ProjectStatus;

  /** `YYYY-MM-DD`. */
  @Column({ name: 'start_date', type: 'date' })
  startDate!: string;

  /** `YYYY-MM-DD`. */
  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate!: string | null;

  /** The length of the periods its rows are approved in (see the approval module). */
  @Column({ name: 'reporting_period', type: 'text', default: 'QUARTER' })
  reportingPeriod!: string;
  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'projects_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/** An organisation's part in a project (implementer, donor or partner); at most one implementer. */
@Entity({ name: 'project_organisations' })
@Check('project_organisations_role_check', `role IN ('IMPLEMENTER', 'DONOR', 'PARTNER')`)
@Index('project_organisations_org_idx', ['tenantId', 'organisationId', 'projectId'])
@Index('project_organisations_one_implementer_uq', ['tenantId', 'projectId'], {
  unique: true,
  where: `role = 'IMPLEMENTER'`,
})
export class ProjectOrganisationEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_organisations_pkey',
  })
  tenantId!: string;

  @PrimaryColumn({
    name: 'project_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_organisations_pkey',
  })
  projectId!: string;

  @PrimaryColumn({
    name: 'organisation_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_organisations_pkey',
  })
  organisationId!: string;

  @PrimaryColumn({
    name: 'role',
    type: 'text',
    primaryKeyConstraintName: 'project_organisations_pkey',
  })
  role!: ProjectOrganisationRole;

  @ManyToOne(() => ProjectEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'project_organisations_tenant_id_project_id_fkey',
    },
    { name: 'project_id', referencedColumnName: 'id' },
  ])
  project?: ProjectEntity;

  @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'project_organisations_organisation_id_fkey',
  })
  organisation?: OrganisationEntity;
}
