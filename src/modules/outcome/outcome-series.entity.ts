import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The sums both summary tables keep for one indicator, sex (or none) and year (or all time):
 * what sample-weighted baselines and latest values are made of.
 */
export abstract class OutcomeSums {
  @Column({ name: 'indicator_id', type: 'uuid' })
  indicatorId!: string;

  @Column({ name: 'sex', type: 'text', nullable: true })
  sex!: string | null;

  /** Null: the series over all time; otherwise within this calendar year. */
  @Column({ name: 'year', type: 'integer', nullable: true })
  year!: number | null;

  /** Σ value × sample size over BASELINE values. */
  @Column({ name: 'baseline_sum', type: 'numeric', nullable: true })
  baselineSum!: string | null;

  @Column({ name: 'baseline_n', type: 'bigint', nullable: true })
  baselineN!: string | null;

  /** Σ value × sample size over the latest values (endline, else latest midline/routine). */
  @Column({ name: 'latest_sum', type: 'numeric', nullable: true })
  latestSum!: string | null;

  @Column({ name: 'latest_n', type: 'bigint', nullable: true })
  latestN!: string | null;

  /** Σ record keys of the baseline rows, mod 2^48: the side's cell-key contribution. */
  @Column({ name: 'baseline_key', type: 'bigint', nullable: true })
  baselineKey!: string | null;

  /** Σ record keys of the latest rows, mod 2^48. */
  @Column({ name: 'latest_key', type: 'bigint', nullable: true })
  latestKey!: string | null;
}

/**
 * Derived data: per series (one indicator in one community, or project-level, of one project,
 * for one sex or none, over all time or one year), the sums that sample-weighted baselines and
 * latest values are made of. Rebuilt by a trigger on every write to measurements (see
 * migrations/1795755933619-outcome-aggregates.ts); only SECURITY DEFINER functions read it.
 */
@Entity({ name: 'outcome_series' })
// Partial, with INCLUDE columns TypeORM cannot express: declared by name only.
@Index('outcome_series_totals_idx', { synchronize: false })
@Index('outcome_series_series_idx', ['tenantId', 'indicatorId', 'projectId', 'communityId'])
export class OutcomeSeriesEntity extends OutcomeSums {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'outcome_series_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'outcome_series_pkey',
  })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ name: 'community_id', type: 'uuid', nullable: true })
  communityId!: string | null;
}
