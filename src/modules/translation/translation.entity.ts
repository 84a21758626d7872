import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ActivityEntity } from '../activity/activity.entity';
import { CommunityEntity } from '../community/community.entity';
import { IndicatorEntity } from '../indicator/indicator.entity';
import { ProjectEntity } from '../project/project.entity';
import { TenantEntity } from '../tenant/tenant.entity';

const TAG = `'^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'`;

/**
 * A tenant row's text in one more language (migrations/1796168758186-translations.ts). It
 * points at the row it translates through the composite key of that row's kind, so it dies
 * with the row; an activity with translations cannot change project.
 */
@Entity({ name: 'translations' })
@Check(
  'translations_entity_type_check',
  `entity_type IN ('project', 'community', 'activity', 'indicator')`,
)
@Check('translations_field_check', `field IN ('name', 'description', 'title')`)
@Check('translations_language_check', `language ~ ${TAG}`)
@Check('translations_value_check', 'length(value) BETWEEN 1 AND 4000')
@Check(
  'translations_target_check',
  `CASE entity_type
    WHEN 'project' THEN project_id = entity_id AND num_nulls(community_id, activity_id, indicator_id) = 3
    WHEN 'activity' THEN activity_id = entity_id AND project_id IS NOT NULL
      AND num_nulls(community_id, indicator_id) = 2
    WHEN 'community' THEN community_id = entity_id AND num_nulls(project_id, activity_id, indicator_id) = 3
    ELSE indicator_id = entity_id AND num_nulls(project_id, activity_id, community_id) = 3 END`,
)
@Index('translations_project_idx', ['tenantId', 'projectId'])
@Index('translations_activity_idx', ['tenantId', 'projectId', 'activityId'])
@Index('translations_community_idx', ['tenantId', 'communityId'])
@Index('translations_indicator_idx', ['indicatorId'])
// On search_fold(value) with gin_trgm_ops: an expression index, declared by name only.
@Index('translations_search_trgm_idx', { synchronize: false })
export class TranslationEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'translations_pkey' })
  tenantId!: string;

  @PrimaryColumn({
    name: 'entity_type',
    type: 'text',
    primaryKeyConstraintName: 'translations_pkey',
  })
  entityType!: string;

  @PrimaryColumn({ name: 'entity_id', type: 'uuid', primaryKeyConstraintName: 'translations_pkey' })
  entityId!: string;

  @PrimaryColumn({ name: 'field', type: 'text', primaryKeyConstraintName: 'translations_pkey' })
  field!: string;

  @PrimaryColumn({ name: 'language', type: 'text', primaryKeyConstraintName: 'translations_pkey' })
  language!: string;

  @Column({ name: 'value', type: 'text' })
  value!: string;

  /** Set for projects and activities (whose policies read it). */
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId!: string | null;

  @Column({ name: 'community_id', type: 'uuid', nullable: true })
  communityId!: string | null;

  @Column({ name: 'activity_id', type: 'uuid', nullable: true })
  activityId!: string | null;

  @Column({ name: 'indicator_id', type: 'uuid', nullable: true })
  indicatorId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'translations_tenant_id_fkey' })
  tenant?: TenantEntity;

  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'translations_tenant_id_project_id_fkey',
    },
    { name: 'project_id', referencedColumnName: 'id' },
  ])
  project?: ProjectEntity;

  // No ON UPDATE CASCADE (Citus refuses it here): an activity never changes project.
  @ManyToOne(() => ActivityEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'translations_tenant_id_project_id_activity_id_fkey',
    },
    { name: 'project_id', referencedColumnName: 'projectId' },
    { name: 'activity_id', referencedColumnName: 'id' },
  ])
  activity?: ActivityEntity;

  @ManyToOne(() => CommunityEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'translations_tenant_id_community_id_fkey',
    },
    { name: 'community_id', referencedColumnName: 'id' },
  ])
  community?: CommunityEntity;

  @ManyToOne(() => IndicatorEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'indicator_id', foreignKeyConstraintName: 'translations_indicator_id_fkey' })
  indicator?: IndicatorEntity;
}

/** A global row's text (tenant, organisation, global indicator) in one more language. */
@Entity({ name: 'global_translations' })
@Check(
  'global_translations_entity_type_check',
  `entity_type IN ('tenant', 'organisation', 'indicator')`,
)
@Check('global_translations_field_check', `field IN ('name', 'description')`)
@Check('global_translations_language_check', `language ~ ${TAG}`)
@Check('global_translations_value_check', 'length(value) BETWEEN 1 AND 4000')
@Index('global_translations_search_trgm_idx', { synchronize: false })
export class GlobalTranslationEntity {
  @PrimaryColumn({
    name: 'entity_type',
    type: 'text',
    primaryKeyConstraintName: 'global_translations_pkey',
  })
  entityType!: string;

  @PrimaryColumn({
    name: 'entity_id',
    type: 'uuid',
    primaryKeyConstraintName: 'global_translations_pkey',
  })
  entityId!: string;

  @PrimaryColumn({
    name: 'field',
    type: 'text',
    primaryKeyConstraintName: 'global_translations_pkey',
  })
  field!: string;

  @PrimaryColumn({
    name: 'language',
    type: 'text',
    primaryKeyConstraintName: 'global_translations_pkey',
  })
  language!: string;

  @Column({ name: 'value', type: 'text' })
  value!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
