import { Field, ID, Int, ObjectType } from 'type-graphql';

/**
 * The fields every kind of project row shares (activities, measurements), declared once.
 * Only the concrete types built on it appear in the schema.
 */
@ObjectType()
export abstract class ProjectRowType {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;
  projectId!: string;
  communityId!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The recording organisation's own identifier for this row (unique per tenant and organisation).",
  })
  externalId!: string | null;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  @Field({ description: 'When the row was created.' })
  createdAt!: Date;

  @Field({ description: 'When the row was last changed.' })
  updatedAt!: Date;
}
