import {
  Check,
  Column,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { Scope } from '../../auth/principal';
import { OrganisationEntity } from '../organisation/organisation.entity';

/** A machine credential acting for one organisation in some tenants; only a hash of its secret is kept. */
@Entity({ name: 'api_keys' })
@Unique('api_keys_prefix_key', ['prefix'])
@Check('api_keys_name_check', 'length(name) BETWEEN 1 AND 200')
@Check('api_keys_prefix_check', `prefix ~ '^[a-z0-9]{8,16}$'`)
@Check(
  'api_keys_scopes_check',
  `scopes <@ ARRAY['read', 'write', 'aggregate', 'admin', 'iati', 'approve']`,
)
@Index('api_keys_organisation_idx', ['organisationId'])
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'api_keys_pkey' })
  id!: string;

  @Column({ name: 'organisation_id', type: 'uuid' })
  organisationId!: string;

  @Column({ name: 'name', type: 'text' })
  name!: string;

  /** The public part of the key, by which it is looked up. */
  @Column({ name: 'prefix', type: 'text' })
  prefix!: string;

  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash!: Buffer;

  @Column({ name: 'tenant_ids', type: 'uuid', array: true })
  tenantIds!: string[];

  @Column({ name: 'scopes', type: 'text', array: true })
  scopes!: Scope[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @ManyToOne(() => OrganisationEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'organisation_id',
    foreignKeyConstraintName: 'api_keys_organisation_id_fkey',
  })
  organisation?: OrganisationEntity;
}
