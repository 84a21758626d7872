import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum ImportItemStatus {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  UNCHANGED = 'UNCHANGED',
  INVALID = 'INVALID',
}
registerEnumType(ImportItemStatus, {
  name: 'ImportItemStatus',
  description:
    'What an import did (or, in a dry run or refused atomic import, would do) with one item.',
  valuesConfig: {
    CREATED: { description: 'A new row was written.' },
    UPDATED: { description: 'The row with this externalId was changed.' },
    UNCHANGED: { description: 'The row with this externalId already held these values.' },
    INVALID: { description: 'Refused; `field` and `message` say why.' },
  },
});

@ObjectType({ description: 'The outcome of one item of a bulk import.' })
export class ImportItemResult {
  @Field(() => Int, { description: 'Position of the item in the request, from 0.' })
  index!: number;

  @Field(() => String, { nullable: true, description: 'The item’s externalId.' })
  externalId!: string | null;

  @Field(() => ImportItemStatus, { description: 'Created, updated, unchanged or invalid.' })
  status!: ImportItemStatus;

  @Field(() => ID, { nullable: true, description: 'Id of the row; null if none was written.' })
  id!: string | null;

  @Field(() => String, { nullable: true, description: 'For INVALID: the offending field.' })
  field!: string | null;

  @Field(() => String, { nullable: true, description: 'For INVALID: what is wrong.' })
  message!: string | null;
}

@ObjectType({ description: 'The outcome of a bulk import.' })
export class ImportResult {
  @Field({
    description: 'Whether anything was written (false for dry runs and refused atomic imports).',
  })
  applied!: boolean;

  @Field({
    description: 'Whether this is the stored result of an earlier request with the same key.',
  })
  replayed!: boolean;

  @Field({ description: 'Whether this was a dry run.' })
  dryRun!: boolean;

  @Field(() => Int, { description: 'Items created.' })
  created!: number;

  @Field(() => Int, { description: 'Items updated.' })
  updated!: number;

  @Field(() => Int, { description: 'Items already as sent.' })
  unchanged!: number;

  @Field(() => Int, { description: 'Items refused.' })
  invalid!: number;

  @Field(() => [ImportItemResult], { description: 'One result per item, in request order.' })
  items!: ImportItemResult[];
}
