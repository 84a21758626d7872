import { Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A person who signs in with an identity-provider token; global, given tenants through memberships. */
@Entity({ name: 'users' })
@Unique('users_subject_key', ['subject'])
@Unique('users_email_key', ['email'])
export class UserEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'users_pkey' })
  id!: string;

  /** The token's `sub` claim. */
  @Column({ name: 'subject', type: 'text' })
  subject!: string;

  @Column({ name: 'email', type: 'text' })
  email!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'platform_admin', type: 'boolean', default: false })
  platformAdmin!: boolean;

  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
