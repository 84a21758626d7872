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
import { ChangeLogEntity, XID8 } from '../changes/change-log.entity';
import { TenantEntity } from '../tenant/tenant.entity';

/*
 * The webhooks' tables (migrations/1796168141601-changes-feed-and-webhooks.ts), read and
 * written by the module's SQL (webhook.service.ts, webhook.worker.ts); the entities describe
 * them for TypeORM, and test/integration/entities.test.ts proves they match.
 */

/** Where a delivery stands. */
export enum WebhookDeliveryState {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
}

/** An endpoint a tenant admin registered, with the event types it wants. */
@Entity({ name: 'webhook_endpoints' })
@Check('webhook_endpoints_url_check', 'length(url) BETWEEN 8 AND 2000')
@Check('webhook_endpoints_description_check', 'length(description) <= 500')
@Check('webhook_endpoints_event_types_check', 'cardinality(event_types) BETWEEN 1 AND 50')
@Check('webhook_endpoints_disabled_reason_check', 'length(disabled_reason) <= 200')
export class WebhookEndpointEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_endpoints_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'webhook_endpoints_pkey',
  })
  id!: string;

  @Column({ name: 'url', type: 'text' })
  url!: string;

  @Column({ name: 'description', type: 'text', nullable: true })
  description!: string | null;

  /** `activity.created`, `measurement.*`, `*`, … */
  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes!: string[];

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'webhook_endpoints_tenant_id_fkey' })
  tenant?: TenantEntity;
}

/**
 * A signing secret of an endpoint. A rotation inserts a new one and gives the old one an end;
 * the application role may insert and end one, never read or change its secret.
 */
@Entity({ name: 'webhook_endpoint_secrets' })
@Check('webhook_endpoint_secrets_secret_check', `secret ~ '^whsec_[A-Za-z0-9+/=]{20,100}$'`)
@Index('webhook_endpoint_secrets_endpoint_idx', ['tenantId', 'endpointId'])
export class WebhookEndpointSecretEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_endpoint_secrets_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'webhook_endpoint_secrets_pkey',
  })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  /** `whsec_` and base64. */
  @Column({ name: 'secret', type: 'text' })
  secret!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** The end of a rotated secret's grace period; null while it is the current one. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @ManyToOne(() => WebhookEndpointEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'webhook_endpoint_secrets_tenant_id_endpoint_id_fkey',
    },
    { name: 'endpoint_id', referencedColumnName: 'id' },
  ])
  endpoint?: WebhookEndpointEntity;
}

/** One change to deliver to one endpoint, with its retry state. */
@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_event_type_check', 'length(event_type) <= 80')
@Check('webhook_deliveries_state_check', `state IN ('PENDING', 'DELIVERED', 'DEAD')`)
@Unique('webhook_deliveries_tenant_id_endpoint_id_change_id_key', [
  'tenantId',
  'endpointId',
  'changeId',
])
@Index('webhook_deliveries_change_idx', ['tenantId', 'changeId'])
@Index('webhook_deliveries_due_idx', ['tenantId', 'nextAttemptAt'], {
  where: `state = 'PENDING'`,
})
export class WebhookDeliveryEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_deliveries_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'webhook_deliveries_pkey',
  })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  /** The change-log row delivered: its id is the `webhook-id` of every attempt. */
  @Column({ name: 'change_id', type: 'uuid' })
  changeId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The thin payload sent: type, timestamp, tenant, entity type, id, version. */
  @Column({ name: 'payload', type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ name: 'state', type: 'text', default: 'PENDING' })
  state!: WebhookDeliveryState;

  @Column({ name: 'attempts', type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  /** Until when a worker holds it (twice the HTTP timeout); expired, another sends it again. */
  @Column({ name: 'leased_until', type: 'timestamptz', nullable: true })
  leasedUntil!: Date | null;

  @Column({ name: 'last_status', type: 'integer', nullable: true })
  lastStatus!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @ManyToOne(() => WebhookEndpointEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'webhook_deliveries_tenant_id_endpoint_id_fkey',
    },
    { name: 'endpoint_id', referencedColumnName: 'id' },
  ])
  endpoint?: WebhookEndpointEntity;

  @ManyToOne(() => ChangeLogEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'webhook_deliveries_tenant_id_change_id_fkey',
    },
    { name: 'change_id', referencedColumnName: 'id' },
  ])
  change?: ChangeLogEntity;
}

/** One HTTP attempt of a delivery. */
@Entity({ name: 'webhook_attempts' })
@Check('webhook_attempts_error_check', 'length(error) <= 500')
@Index('webhook_attempts_delivery_idx', ['tenantId', 'deliveryId'])
export class WebhookAttemptEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_attempts_pkey',
  })
  tenantId!: string;

  @PrimaryGeneratedColumn('uuid', {
    name: 'id',
    primaryKeyConstraintName: 'webhook_attempts_pkey',
  })
  id!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  @Column({ name: 'attempted_at', type: 'timestamptz', default: () => 'now()' })
  attemptedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  /** The HTTP status; null when no answer came (timeout, refused address). */
  @Column({ name: 'status', type: 'integer', nullable: true })
  status!: number | null;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  @ManyToOne(() => WebhookDeliveryEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn([
    {
      name: 'tenant_id',
      referencedColumnName: 'tenantId',
      foreignKeyConstraintName: 'webhook_attempts_tenant_id_delivery_id_fkey',
    },
    { name: 'delivery_id', referencedColumnName: 'id' },
  ])
  delivery?: WebhookDeliveryEntity;
}

/** How far the worker has fanned a tenant's change log out to its endpoints. */
@Entity({ name: 'webhook_dispatch_positions' })
export class WebhookDispatchPositionEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'webhook_dispatch_positions_pkey',
  })
  tenantId!: string;

  @Column({ name: 'txid', type: XID8 })
  txid!: string;

  @Column({ name: 'at', type: 'timestamptz' })
  at!: Date;

  @Column({ name: 'change_id', type: 'uuid' })
  changeId!: string;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'tenant_id',
    foreignKeyConstraintName: 'webhook_dispatch_positions_tenant_id_fkey',
  })
  tenant?: TenantEntity;
}
