import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection, PageArgs } from '../../common/connection';
import { Settlement } from './community.entity';

export enum CommunityOrderField {
  NAME = 'NAME',
  REGION = 'REGION',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(CommunityOrderField, {
  name: 'CommunityOrderField',
  description: 'Fields communities can be sorted by.',
});

@InputType({ description: 'Narrows a list of communities; all given conditions must hold.' })
export class CommunityFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only communities these projects target.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[];

  @Field({ nullable: true, description: 'Only this region (exact name).' })
  @IsOptional()
  @MaxLength(200)
  region?: string;

  @Field({ nullable: true, description: 'Only this district (exact name).' })
  @IsOptional()
  @MaxLength(200)
  district?: string;

  @Field(() => Settlement, { nullable: true, description: 'Only rural or only urban communities.' })
  @IsOptional()
  settlement?: Settlement;

  @Field({ nullable: true, description: 'Name contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}

@InputType({ description: 'How to sort communities.' })
export class CommunityOrder {
  @Field(() => CommunityOrderField, { description: 'The field to sort by.' })
  field!: CommunityOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'The direction.' })
  direction!: OrderDirection;
}

@ArgsType()
export class CommunitiesArgs extends PageArgs {
  @Field(() => CommunityFilter, { nullable: true, description: 'Conditions on the communities.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: CommunityFilter | null;

  @Field(() => CommunityOrder, { nullable: true, description: 'Sort order; by name when omitted.' })
  orderBy?: CommunityOrder | null;
}
