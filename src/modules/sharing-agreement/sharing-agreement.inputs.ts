import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsInt,
  IsNumber,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, Float, InputType, Int } from 'type-graphql';
import { PageArgs } from '../../common/connection';
import { OutcomeDimension } from '../outcome/outcome.inputs';

@InputType({
  description:
    'How the cells an agreement shares are perturbed (the cell-key method); every field defaults to the documented default.',
})
export class PerturbationInput {
  @Field(() => Int, {
    nullable: true,
    description: 'The largest deviation added to a count, D (1–10; default 2).',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10)
  maxDeviation?: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'The variance of a count’s deviation, V (above 0, at most (D+1)(2D+1)/6; default 1).',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(38.5)
  deviationVariance?: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'How many respondents’ worth of itself a mean may move by (above 0, at most 50; default 2).',
  })
  @IsOptional()
  @IsNumber()
  @Min(0.01)
  @Max(50)
  valueDeviation?: number | null;
}

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

  @Field(() => PerturbationInput, {
    nullable: true,
    description: 'How shared cells are perturbed; the defaults when omitted.',
  })
  @IsOptional()
  @ValidateNested()
  perturbation?: PerturbationInput | null;

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
