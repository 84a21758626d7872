import { Column } from 'typeorm';

/**
 * The bookkeeping every mutable programme row carries (DESIGN §2): its version for optimistic
 * concurrency, when it was created and last changed, and by whom (`user:<id>`, `apikey:<id>`).
 * Entities extend it; the columns are the migration's, declared once.
 */
export abstract class VersionedRow {
  @Column({ name: 'version', type: 'integer', default: 1 })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'created_by', type: 'text', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'updated_by', type: 'text', nullable: true })
  updatedBy!: string | null;
}
