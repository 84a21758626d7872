import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MeasurementEntity } from '../measurement/measurement.entity';

/**
 * A measurement's record key for the cell-key method (docs/disclosure-control.md): 48 random
 * bits drawn when the measurement is inserted and kept for its life. Only SECURITY DEFINER
 * functions read it; no client, and not the application role, ever sees one.
 */
@Entity({ name: 'outcome_record_keys' })
export class OutcomeRecordKeyEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'outcome_record_keys_pkey',
  })
  tenantId!: string;

  @PrimaryColumn({
    name: 'measurement_id',
    type: 'uuid',
    primaryKeyConstraintName: 'outcome_record_keys_pkey',
  })
  measurementId!: string;

  @Column({ name: 'record_key', type: 'bigint' })
  recordKey!: string;

  @ManyToOne(() => MeasurementEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'outcome_record_keys_measurement_fkey',
    },
    {
      name: 'measurement_id',
      referencedColumnName: 'id',
      foreignKeyConstraintName: 'outcome_record_keys_measurement_fkey',
    },
  ])
  measurement?: MeasurementEntity;
}
