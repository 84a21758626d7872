import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { LocalDateResolver, UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection, PageArgs } from '../../common/connection';
import { ActivityType } from './activity.entity';

export enum ActivityOrderField {
  START_DATE = 'START_DATE',
  TITLE = 'TITLE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ActivityOrderField, {
  name: 'ActivityOrderField',
  description: 'Fields activities can be sorted by.',
});

@InputType({ description: 'Narrows a list of activities; all given conditions must hold.' })
export class ActivityFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only activities of these projects.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only activities in these communities.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  communityIds?: string[];

  @Field(() => [ActivityType], { nullable: true, description: 'Only these kinds of activity.' })
  @IsOptional()
  types?: ActivityType[];

  @Field(() => LocalDateResolver, {
    nullable: true,
    description: 'Only activities starting on or after this day.',
  })
  @IsOptional()
  from?: string;

  @Field(() => LocalDateResolver, {
    nullable: true,
    description: 'Only activities starting on or before this day.',
  })
  @IsOptional()
  to?: string;

  @Field({ nullable: true, description: 'Title contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}

@InputType({ description: 'How to sort activities.' })
export class ActivityOrder {
  @Field(() => ActivityOrderField, { description: 'The field to sort by.' })
  field!: ActivityOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'The direction.' })
  direction!: OrderDirection;
}

@ArgsType()
export class ActivitiesArgs extends PageArgs {
  @Field(() => ActivityFilter, { nullable: true, description: 'Conditions on the activities.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: ActivityFilter | null;

  @Field(() => ActivityOrder, {
    nullable: true,
    description: 'Sort order; latest first when omitted.',
  })
  orderBy?: ActivityOrder | null;
}
