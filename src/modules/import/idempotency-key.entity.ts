import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { TenantEntity } from '../tenant/tenant.entity';

/** One idempotency key of a principal in a tenant, with the response its request got. */
@Entity({ name: 'idempotency_keys' })
@Check('idempotency_keys_principal_check', 'length(principal) BETWEEN 1 AND 100')
@Check('idempotency_keys_key_check', 'length(key) BETWEEN 1 AND 200')
@Check('idempotency_keys_operation_check', 'length(operation) BETWEEN 1 AND 100')
@Index('idempotency_keys_created_idx', ['createdAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({
    name: 'tenant_id',
    type: 'uuid',
    primaryKeyConstraintName: 'idempotency_keys_pkey',
  })
  tenantId!: string;

  /** `user:<id>` or `apikey:<id>`. */
  @PrimaryColumn({
    name: 'principal',
    type: 'text',
    primaryKeyConstraintName: 'idempotency_keys_pkey',
  })
  principal!: string;

  @PrimaryColumn({ name: 'key', type: 'text', primaryKeyConstraintName: 'idempotency_keys_pkey' })
  key!: string;

  /** The mutation the key was used with, e.g. importActivities. */
  @Column({ name: 'operation', type: 'text' })
  operation!: string;

  /** SHA-256 of the request's canonical JSON. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  /** The stored response; null while the first request is still running. */
  @Column({ name: 'response', type: 'jsonb', nullable: true })
  response!: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @ManyToOne(() => TenantEntity, { nullable: false, onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'idempotency_keys_tenant_id_fkey' })
  tenant?: TenantEntity;
}
