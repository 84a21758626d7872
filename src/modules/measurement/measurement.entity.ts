import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { ProjectRowEntity } from '../../common/project-row.entity';
import { AgeBand } from '../activity/activity.entity';
import { IndicatorEntity } from '../indicator/indicator.entity';

export enum MeasurementPeriod {
  BASELINE = 'BASELINE',
  MIDLINE = 'MIDLINE',
  ENDLINE = 'ENDLINE',
  ROUTINE = 'ROUTINE',
}

export enum Sex {
  FEMALE = 'FEMALE',
  MALE = 'MALE',
  OTHER = 'OTHER',
}

/** One value of an indicator for a project (and maybe a community) at a point in time. */
@Entity({ name: 'measurements' })
@Check('measurements_period_check', `period IN ('BASELINE', 'MIDLINE', 'ENDLINE', 'ROUTINE')`)
@Check('measurements_sample_size_check', 'sample_size >= 0')
@Check('measurements_sex_check', `sex IN ('FEMALE', 'MALE', 'OTHER')`)
@Check(
  'measurements_age_band_check',
  `age_band IN ('UNDER_18', 'AGE_18_24', 'AGE_25_49', 'AGE_50_PLUS', 'MIXED')`,
)
@Check('measurements_source_check', 'length(source) <= 1000')
// (…, measured_on DESC, id DESC) in the migration; TypeORM does not compare order.
@Index('measurements_community_idx', ['tenantId', 'communityId', 'measuredOn', 'id'])
@Index('measurements_project_idx', ['tenantId', 'projectId', 'measuredOn', 'id'])
@Index('measurements_indicator_idx', ['tenantId', 'indicatorId', 'period', 'measuredOn'])
@Index('measurements_indicator_fk_idx', ['indicatorId'])
@Index('measurements_tenant_measured_idx', ['tenantId', 'measuredOn', 'id'])
@Index('measurements_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
@Index('measurements_tenant_external_idx', ['tenantId', 'externalId'], {
  where: 'external_id IS NOT NULL',
})
@Index('measurements_recorded_by_idx', ['recordedByOrganisationId'])
// Added by the outcome-aggregates migration: the rows of one series, for its trigger.
@Index('measurements_series_idx', ['tenantId', 'projectId', 'indicatorId'])
export class MeasurementEntity extends ProjectRowEntity(
  'measurements',
  'measurements_tenant_id_recorded_by_organisation_id_external_key',
) {
  @Column({ name: 'indicator_id', type: 'uuid' })
  indicatorId!: string;

  @Column({ name: 'period', type: 'text' })
  period!: MeasurementPeriod;

  /** `YYYY-MM-DD`. */
  @Column({ name: 'measured_on', type: 'date' })
  measuredOn!: string;

  /** numeric(18, 4), kept as a decimal string so no precision is lost. */
  @Column({ name: 'value', type: 'numeric', precision: 18, scale: 4 })
  value!: string;

  @Column({ name: 'sample_size', type: 'integer', nullable: true })
  sampleSize!: number | null;

  @Column({ name: 'sex', type: 'text', nullable: true })
  sex!: Sex | null;

  @Column({ name: 'age_band', type: 'text', nullable: true })
  ageBand!: AgeBand | null;

  @Column({ name: 'source', type: 'text', nullable: true })
  source!: string | null;

  @ManyToOne(() => IndicatorEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'indicator_id', foreignKeyConstraintName: 'measurements_indicator_id_fkey' })
  indicator?: IndicatorEntity;
}
