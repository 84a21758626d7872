import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { PageArgs } from '../../common/connection';

@InputType({ description: 'Narrows a list of indicators; all given conditions must hold.' })
export class IndicatorFilter {
  @Field(() => [String], { nullable: true, description: 'Only these codes.' })
  @IsOptional()
  @ArrayMaxSize(100)
  codes?: string[];

  @Field(() => [String], {
    nullable: true,
    description: "Only global indicators and these tenants' own (country codes).",
  })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field({ nullable: true, description: 'Name or code contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}

@ArgsType()
export class IndicatorsArgs extends PageArgs {
  @Field(() => IndicatorFilter, { nullable: true, description: 'Conditions on the indicators.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: IndicatorFilter | null;
}
