import { ArrayMaxSize, ArrayNotEmpty, IsInt, IsOptional, Max, Min } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { PageArgs } from '../../common/connection';
import { OutcomeDimension } from '../outcome/outcome.inputs';

@InputType({
  description:
    "A tenant's consent that one organisation may read aggregates of some indicators, within limits.",
})
export class CreateSharingAgreementInput {
  @Field({ description: 'The sharing tenant (country code); you must administer it.' })
  tenant!: string;

  @Field(() => UUIDResolver, { description: 'The organisation the aggregates are shared with.' })
  recipientOrganisationId!: string;

  @Field(() => [String], {
    description: "Indicators shared (codes): global ones or the tenant's own.",
  })
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  indicatorCodes!: string[];

  @Field(() => [OutcomeDimension], {
    description:
      'Dimensions the recipient may group by; never COMMUNITY. The finest geographic level among them (TENANT, REGION or PROJECT) is recorded as the finest level.',
  })
  @ArrayNotEmpty()
  @ArrayMaxSize(8)
  allowedGroupBy!: OutcomeDimension[];

  @Field(() => Int, {
    nullable: true,
    description:
      "Smallest number of respondents a shared cell may rest on; at least the tenant's default (10 unless the tenant set more), which applies when omitted.",
  })
  @IsOptional()
  @IsInt()
  @Min(3)
  @Max(100_000)
  minCellSize?: number | null;

  @Field(() => Date, { nullable: true, description: 'When it comes into force; now if omitted.' })
  validFrom?: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When it ends (after validFrom, in the future); never if omitted.',
  })
  expiresAt?: Date | null;
}

@InputType({ description: 'The sharing agreement to revoke.' })
export class RevokeSharingAgreementInput {
  @Field(() => UUIDResolver, { description: 'The agreement id.' })
  id!: string;
}

@ArgsType()
export class SharingAgreementsArgs extends PageArgs {}
