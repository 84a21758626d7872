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
import { VersionedRow } from '../../common/versioned-row';
import { ProjectEntity } from '../project/project.entity';
import { TenantEntity } from '../tenant/tenant.entity';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

export enum Settlement {
  RURAL = 'RURAL',
  URBAN = 'URBAN',
}

/** A village or town of one tenant where projects work. */
@Entity({ name: 'communities' })
@Check('communities_name_check', 'length(name) BETWEEN 1 AND 300')
@Check('communities_region_check', 'length(region) BETWEEN 1 AND 200')
@Check('communities_district_check', 'length(district) BETWEEN 1 AND 200')
@Check('communities_settlement_check', `settlement IN ('RURAL', 'URBAN')`)
@Check('communities_households_check', 'households >= 0')
@Check('communities_population_check', 'population >= 0')
@Index('communities_tenant_name_idx', ['tenantId', 'name', 'id'])
@Index('communities_tenant_region_idx', ['tenantId', 'region', 'district'])
@Index('communities_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
// The migration builds it with the gin_trgm_ops operator class, which TypeORM cannot express;
// name, column and method are still compared.
@Index('communities_name_trgm_idx', ['name'], { type: 'gin' })
@Check('communities_source_language_check', SOURCE_LANGUAGE_CHECK)
// search_fold(name) with gin_trgm_ops (issue 21): an expression index, declared by name only.
@Index('communities_name_fold_trgm_idx', { synchronize: false })
export class CommunityEntity extends VersionedRow {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'communities_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'communities_pkey' })
  id!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'region', type: 'text' })
  region!: string;

  @Column({ name: 'district', type: 'text' })
  district!: string;

  @Column({ name: 'settlement', type: 'text' })
  settlement!: Settlement;

  @Column({ name: 'households', type: 'integer', nullable: true })
  households!: number | null;

  @Column({ name: 'population', type: 'integer', nullable: true })
  population!: number | null;

  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'communities_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/** A community a project works in. */
@Entity({ name: 'project_communities' })
@Index('project_communities_community_idx', ['tenantId', 'communityId', 'projectId'])
export class ProjectCommunityEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_communities_pkey',
  })
  tenantId!: string;

  @PrimaryColumn({
    name: 'project_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_communities_pkey',
  })
  projectId!: string;

  @PrimaryColumn({
    name: 'community_id',
    type: 'uuid',
    primaryKeyConstraintName: 'project_communities_pkey',
  })
  communityId!: string;

  @ManyToOne(() => ProjectEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'project_communities_tenant_id_project_id_fkey',
    },
    { name: 'project_id', referencedColumnName: 'id' },
  ])
  project?: ProjectEntity;

  @ManyToOne(() => CommunityEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'project_communities_tenant_id_community_id_fkey',
    },
    { name: 'community_id', referencedColumnName: 'id' },
  ])
  community?: CommunityEntity;
}
