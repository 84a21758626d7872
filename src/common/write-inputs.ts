import { IsInt, Min } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';

/**
 * Names a row and the version the client last read: every update, delete and restore.
 * Only its subclasses appear in the schema (type-graphql emits no unreferenced type).
 */
@InputType({ description: 'A row and the version the client last read.' })
export abstract class VersionedRowInput {
  @Field(() => UUIDResolver, { description: 'Id of the row.' })
  id!: string;

  @Field(() => Int, {
    description: 'The version you last read; a stale one is CONFLICT and changes nothing.',
  })
  @IsInt()
  @Min(1)
  expectedVersion!: number;
}

@InputType({ description: 'Which row to delete, at which version.' })
export class DeleteRowInput extends VersionedRowInput {}

@InputType({ description: 'Which deleted row to restore, at which version.' })
export class RestoreRowInput extends VersionedRowInput {
  // The description is FORCE_DESCRIPTION's (project-row-inputs.ts imports this file).
  @Field({
    defaultValue: false,
    description:
      'Platform admins only: write even into a locked reporting period (approved, or outside its input window); audited as forced. Anyone else asking is FORBIDDEN.',
  })
  force!: boolean;
}
