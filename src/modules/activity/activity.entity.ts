import { Check, Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { ProjectRowEntity } from '../../common/project-row.entity';
import { OrganisationEntity } from '../organisation/organisation.entity';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

export enum ActivityType {
  TRAINING = 'TRAINING',
  INDUCTION_MEETING = 'INDUCTION_MEETING',
  STUDY_VISIT = 'STUDY_VISIT',
  COMMUNITY_DIALOGUE = 'COMMUNITY_DIALOGUE',
  RELIGIOUS_LEADER_SESSION = 'RELIGIOUS_LEADER_SESSION',
  SAVINGS_GROUP = 'SAVINGS_GROUP',
  PSYCHOSOCIAL_SUPPORT = 'PSYCHOSOCIAL_SUPPORT',
  ADVOCACY_EVENT = 'ADVOCACY_EVENT',
  REFERRAL = 'REFERRAL',
}

/** Age group of participants or respondents; shared by activities and measurements. */
export enum AgeBand {
  UNDER_18 = 'UNDER_18',
  AGE_18_24 = 'AGE_18_24',
  AGE_25_49 = 'AGE_25_49',
  AGE_50_PLUS = 'AGE_50_PLUS',
  MIXED = 'MIXED',
}

/** Something a project did (a training, a dialogue, a referral…) with its participant counts. */
@Entity({ name: 'activities' })
@Check(
  'activities_type_check',
  `type IN ('TRAINING', 'INDUCTION_MEETING', 'STUDY_VISIT', 'COMMUNITY_DIALOGUE', ` +
    `'RELIGIOUS_LEADER_SESSION', 'SAVINGS_GROUP', 'PSYCHOSOCIAL_SUPPORT', 'ADVOCACY_EVENT', 'REFERRAL')`,
)
@Check('activities_title_check', 'length(title) BETWEEN 1 AND 300')
@Check('activities_participants_female_check', 'participants_female BETWEEN 0 AND 100000')
@Check('activities_participants_male_check', 'participants_male BETWEEN 0 AND 100000')
@Check('activities_participants_other_check', 'participants_other BETWEEN 0 AND 100000')
@Check(
  'activities_age_band_check',
  `age_band IN ('UNDER_18', 'AGE_18_24', 'AGE_25_49', 'AGE_50_PLUS', 'MIXED')`,
)
@Check('activities_check', 'end_date IS NULL OR end_date >= start_date')
// The next two are (…, start_date DESC, id DESC) in the migration; TypeORM does not compare order.
@Index('activities_project_start_idx', ['tenantId', 'projectId', 'startDate', 'id'])
@Index('activities_community_start_idx', ['tenantId', 'communityId', 'startDate', 'id'])
@Index('activities_tenant_start_idx', ['tenantId', 'startDate', 'id'])
@Index('activities_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
@Index('activities_tenant_external_idx', ['tenantId', 'externalId'], {
  where: 'external_id IS NOT NULL',
})
@Index('activities_tenant_type_idx', ['tenantId', 'type'])
@Index('activities_facilitator_idx', ['facilitatorOrganisationId'])
@Index('activities_recorded_by_idx', ['recordedByOrganisationId'])
// On search_fold(title) with gin_trgm_ops: an expression index, declared by name only (read
// through search_activity_ids, migrations/1796184913509-activity-title-search.ts).
@Index('activities_title_fold_trgm_idx', { synchronize: false })
@Check('activities_source_language_check', SOURCE_LANGUAGE_CHECK)
@Unique('activities_tenant_project_id_key', ['tenantId', 'projectId', 'id'])
export class ActivityEntity extends ProjectRowEntity(
  'activities',
  'activities_tenant_id_recorded_by_organisation_id_external_i_key',
) {
  @Column({ name: 'type', type: 'text' })
  type!: ActivityType;

  @Column({ name: 'title', type: 'text' })
  title!: string;

  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  /** `YYYY-MM-DD`. */
  @Column({ name: 'start_date', type: 'date' })
  startDate!: string;

  /** `YYYY-MM-DD`. */
  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate!: string | null;

  @Column({ name: 'facilitator_organisation_id', type: 'uuid', nullable: true })
  facilitatorOrganisationId!: string | null;

  @Column({ name: 'participants_female', type: 'integer', default: 0 })
  participantsFemale!: number;

  @Column({ name: 'participants_male', type: 'integer', default: 0 })
  participantsMale!: number;

  @Column({ name: 'participants_other', type: 'integer', default: 0 })
  participantsOther!: number;

  @Column({ name: 'age_band', type: 'text', nullable: true })
  ageBand!: AgeBand | null;

  @ManyToOne(() => OrganisationEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'facilitator_organisation_id',
    foreignKeyConstraintName: 'activities_facilitator_organisation_id_fkey',
  })
  facilitatorOrganisation?: OrganisationEntity | null;
}
