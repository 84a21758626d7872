import { ArrayMaxSize, ArrayMinSize, IsInt, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int } from 'type-graphql';
import { IsCleanText } from '../../common/validation';

@InputType({ description: 'The languages a tenant offers its names in.' })
export class SetTenantLanguagesInput {
  @Field({ description: 'Country code of the tenant, e.g. TJ.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field(() => [String], {
    description:
      'Its languages (BCP 47), each a supported one (en, ru, tg, ky, uz-Latn, uz-Cyrl or one the deployment adds); at least one.',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(35, { each: true })
  languages!: string[];

  @Field(() => Int, { description: 'The version of the tenant you read; CONFLICT when stale.' })
  @IsInt()
  @Min(1)
  expectedVersion!: number;
}
