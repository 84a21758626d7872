import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { VersionedRow } from '../../common/versioned-row';
import { TenantEntity } from '../tenant/tenant.entity';
import { SOURCE_LANGUAGE_CHECK } from '../translation/translation.languages';

export enum IndicatorUnit {
  PERCENT = 'PERCENT',
  COUNT = 'COUNT',
  CURRENCY = 'CURRENCY',
  SCORE = 'SCORE',
  INDEX = 'INDEX',
}

export enum IndicatorDirection {
  DECREASE_IS_BETTER = 'DECREASE_IS_BETTER',
  INCREASE_IS_BETTER = 'INCREASE_IS_BETTER',
}

/** A quantity the programme tracks: global when tenant_id is null, otherwise one tenant's own. */
@Entity({ name: 'indicators' })
@Check('indicators_code_check', `code ~ '^[A-Z][A-Z0-9_]{1,63}$'`)
@Check('indicators_name_check', 'length(name) BETWEEN 1 AND 300')
@Check('indicators_unit_check', `unit IN ('PERCENT', 'COUNT', 'CURRENCY', 'SCORE', 'INDEX')`)
@Check('indicators_direction_check', `direction IN ('DECREASE_IS_BETTER', 'INCREASE_IS_BETTER')`)
// Unique on (coalesce(tenant_id, nil uuid), code): an expression index TypeORM cannot express,
// so it is declared by name only and left alone (test/integration/entities.test.ts checks it exists).
@Index('indicators_code_uq', { synchronize: false })
@Index('indicators_tenant_idx', ['tenantId'])
@Index('indicators_tenant_updated_idx', ['tenantId', 'updatedAt', 'id'])
@Check('indicators_source_language_check', SOURCE_LANGUAGE_CHECK)
// search_fold(name) with gin_trgm_ops (issue 21): an expression index, declared by name only.
@Index('indicators_name_fold_trgm_idx', { synchronize: false })
export class IndicatorEntity extends VersionedRow {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'indicators_pkey' })
  id!: string;

  /** Null for the global indicators every tenant shares. */
  @Column({ name: 'tenant_id', type: 'uuid', nullable: true })
  tenantId!: string | null;

  @Column({ name: 'code', type: 'text' })
  code!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'unit', type: 'text' })
  unit!: IndicatorUnit;

  @Column({ name: 'direction', type: 'text' })
  direction!: IndicatorDirection;

  /** The language the row's own text is in (BCP 47); other languages in translations. */
  @Column({ name: 'source_language', type: 'text', default: 'en' })
  sourceLanguage!: string;

  @ManyToOne(() => TenantEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'indicators_tenant_id_fkey' })
  tenant?: TenantEntity | null;
}
