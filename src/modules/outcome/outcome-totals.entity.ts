import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { OutcomeSums } from './outcome-series.entity';

/**
 * Derived data one level above outcome_series: per tenant, indicator, sex (or none) and year
 * (or all time), the sums and distinct community counts that summaries grouped by no more
 * than TENANT, INDICATOR, SEX and YEAR read. Rebuilt by the same trigger as outcome_series;
 * only SECURITY DEFINER functions read it.
 */
@Entity({ name: 'outcome_totals' })
@Index('outcome_totals_indicator_idx', ['tenantId', 'indicatorId'])
export class OutcomeTotalsEntity extends OutcomeSums {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'outcome_totals_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('identity', {
    name: 'id',
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'outcome_totals_pkey',
  })
  id!: string;

  @Column({ name: 'baseline_communities', type: 'integer' })
  baselineCommunities!: number;

  @Column({ name: 'latest_communities', type: 'integer' })
  latestCommunities!: number;
}
