import {
  Check,
  Column,
  type ColumnType,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { TenantEntity } from '../tenant/tenant.entity';

/*
 * The changes feed's tables (migrations/1796168141601-changes-feed-and-webhooks.ts). Both are
 * read and written by the module's SQL (change-log.ts, changes.service.ts); the entities
 * describe them for TypeORM, and test/integration/entities.test.ts proves they match.
 */

/**
 * PostgreSQL's 64-bit transaction id, which TypeORM's list of types lacks: the data source
 * adds it to its driver's (src/db/data-source.ts). Read as text.
 */
export const XID8 = 'xid8' as ColumnType;

/**
 * One audited write of a fed type, appended in the writer's transaction: the changes feed and
 * the webhooks' outbox. Never content, only what changed and where it sits in commit order.
 */
@Entity({ name: 'change_log' })
@Check('change_log_entity_type_check', `entity_type ~ '^[A-Z][A-Za-z]{1,40}$'`)
@Check('change_log_action_check', `action ~ '^[A-Z_]{1,20}$'`)
@Index('change_log_position_idx', ['tenantId', 'txid', 'at', 'id'])
@Index('change_log_age_idx', ['at'])
export class ChangeLogEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid', primaryKeyConstraintName: 'change_log_pkey' })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'change_log_pkey',
  })
  id!: string;

  /**
   * The writer's transaction id (`pg_current_xact_id()`): readers stop below the oldest
   * transaction still running.
   */
  @Column({ name: 'txid', type: XID8, default: () => 'pg_current_xact_id()' })
  txid!: string;

  @Column({ name: 'at', type: 'timestamptz', default: () => 'clock_timestamp()' })
  at!: Date;

  /** The GraphQL type of the row: Project, Community, Activity, Measurement, Indicator, … */
  @Column({ name: 'entity_type', type: 'text' })
  entityType!: string;

  @Column({ name: 'entity_id', type: 'uuid' })
  entityId!: string;

  /** The project whose partners may read the row (null for communities and indicators). */
  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId!: string | null;

  /** The audited action: CREATE, UPDATE, DELETE, RESTORE, PERIOD_APPROVE, … */
  @Column({ name: 'action', type: 'text' })
  action!: string;

  @Column({ name: 'version', type: 'integer', nullable: true })
  version!: number | null;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'change_log_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/** The one key that signs feed cursors; only the owner reads it (`change_feed_key()`). */
@Entity({ name: 'change_feed_keys' })
@Check('change_feed_keys_id_check', 'id = 1')
export class ChangeFeedKeyEntity {
  @PrimaryColumn({
    name: 'id',
    type: 'smallint',
    primaryKeyConstraintName: 'change_feed_keys_pkey',
  })
  id!: number;

  @Column({ name: 'secret', type: 'text' })
  secret!: string;
}
