import { UUIDResolver } from 'graphql-scalars';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ChangeOperation } from './changes.service';

registerEnumType(ChangeOperation, {
  name: 'ChangeOperation',
  description: 'What a change asks a copy to do with the row it names.',
  valuesConfig: {
    UPSERT: { description: 'Create or replace the row (read it from the field of its type).' },
    DELETE: {
      description:
        'Remove the row: it was deleted, or it fell out of what you may read (a tombstone).',
    },
  },
});

@ObjectType({
  description:
    'One change of the feed: a row created, updated or deleted, or one that came into or fell out of your view.',
})
export class Change {
  tenantId!: string;

  @Field({
    description:
      'The GraphQL type of the row: Project, Community, Activity, Measurement, Indicator or ReportingPeriod.',
  })
  entityType!: string;

  @Field(() => UUIDResolver, { description: 'The id of the row.' })
  entityId!: string;

  @Field(() => ChangeOperation, { description: 'Upsert, or delete (a tombstone).' })
  operation!: ChangeOperation;

  @Field(() => String, {
    nullable: true,
    description:
      'The audited action (CREATE, UPDATE, DELETE, RESTORE; for a period PERIOD_SUBMIT, PERIOD_APPROVE, PERIOD_RETURN, PERIOD_UNAPPROVE); null for rows sent by the initial copy or a change of your access.',
  })
  action!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'The version the write left the row at, when known.',
  })
  version!: number | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the write happened; null for the initial copy and changes of access.',
  })
  changedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'For a tombstone: when the row went.' })
  deletedAt!: Date | null;
}

@ObjectType({ description: 'A page of the changes feed.' })
export class ChangePage {
  @Field(() => [Change], { description: 'The changes, in commit order.' })
  nodes!: Change[];

  @Field({
    description:
      'Pass as `since` next time: it stands after every change of this page (it also records what you may read, signed, to detect changes of access).',
  })
  cursor!: string;

  @Field({
    description: 'True when more changes are ready now: call again at once with `cursor`.',
  })
  hasMore!: boolean;
}
