import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Settlement } from '../community/community.entity';
import { Indicator } from '../indicator/indicator.type';
import { Sex } from '../measurement/measurement.entity';

/** Fewer communities than this behind a value and it could point at one village (outcome_cells). */
export const MIN_COMMUNITIES = 3;

/** Why a summary's values are withheld (no longer given: a reason narrows a count). */
export enum SuppressionReason {
  FEW_RESPONDENTS = 'FEW_RESPONDENTS',
  FEW_COMMUNITIES = 'FEW_COMMUNITIES',
  COMPLEMENTARY = 'COMPLEMENTARY',
}
registerEnumType(SuppressionReason, {
  name: 'SuppressionReason',
  description:
    'Why a summary was suppressed, in earlier versions: fewer respondents than the minimum cell size, fewer than 3 communities, or to protect another cell. No longer given.',
  valuesConfig: {
    FEW_RESPONDENTS: {
      description: 'Fewer respondents than the minimum cell size (no longer given).',
    },
    FEW_COMMUNITIES: {
      description: 'Fewer than 3 communities behind the value (no longer given).',
    },
    COMPLEMENTARY: { description: 'Withheld to protect another cell (no longer given).' },
  },
});

@ObjectType({
  description:
    'How a governed summary was protected: small cells suppressed, the rest perturbed by the cell-key method (the same cell always gets the same deviation). See docs/disclosure-control.md.',
})
export class OutcomeDisclosure {
  @Field({ description: 'Always true: counts and values are perturbed, never exact.' })
  perturbed!: boolean;

  @Field(() => Int, {
    description: 'Cells resting on fewer respondents than this (true or perturbed) are withheld.',
  })
  minCellSize!: number;

  @Field(() => Int, {
    description: 'Cells resting on fewer communities than this (true or perturbed) are withheld.',
  })
  minCommunities!: number;

  @Field(() => Int, {
    description: 'The largest deviation added to a respondent or community count (D).',
  })
  maxDeviation!: number;

  @Field(() => Float, { description: 'The variance of a count’s deviation (V).' })
  deviationVariance!: number;

  @Field(() => Float, {
    description:
      'The largest deviation of a mean, in respondents’ worth of the mean itself: a mean m over n respondents moves by at most m × valueDeviation / n.',
  })
  valueDeviation!: number;
}

@ObjectType({
  description:
    'The project a summary is grouped by: its identity only, which aggregate readers may see.',
})
export class OutcomeProject {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'Short code, unique within the tenant.' })
  code!: string;

  @Field({ description: 'Name of the project.' })
  name!: string;
}

@ObjectType({
  description:
    'What changed in one indicator for one group: sample-weighted baseline and latest value (endline, else the latest midline or routine value of each series) and the change between them. Under a sharing agreement small cells are suppressed and the rest perturbed (see `disclosure`).',
})
export class OutcomeSummary {
  tenantId!: string | null;
  communityId!: string | null;

  @Field(() => Indicator, { description: 'The indicator summarised.' })
  indicator!: Indicator;

  @Field(() => String, { nullable: true, description: 'Region, when grouped by REGION.' })
  region!: string | null;

  @Field(() => OutcomeProject, { nullable: true, description: 'Project, when grouped by PROJECT.' })
  project!: OutcomeProject | null;

  @Field(() => Settlement, {
    nullable: true,
    description: 'Rural or urban, when grouped by SETTLEMENT.',
  })
  settlement!: Settlement | null;

  @Field(() => Sex, { nullable: true, description: 'Sex of respondents, when grouped by SEX.' })
  sex!: Sex | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Calendar year the values were measured in, when grouped by YEAR.',
  })
  year!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Sample-weighted mean of the baseline values; null if none or suppressed.',
  })
  baseline!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'Sample-weighted mean of the latest values (endline, else latest midline or routine); null if none or suppressed.',
  })
  latest!: number | null;

  @Field(() => Float, { nullable: true, description: 'latest − baseline.' })
  absoluteChange!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'latest / baseline − 1 (−0.5: halved); null when the baseline is 0.',
  })
  relativeChange!: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'latest / baseline (8.0: eight-fold); null when the baseline is 0.',
  })
  foldChange!: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Whether the change went the indicator's better way; null when unknown.",
  })
  improved!: boolean | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Respondents behind the summary: the smaller of the baseline’s and the latest value’s total sample sizes. Null when suppressed.',
  })
  sampleSize!: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Communities behind the summary (the smaller count of the baseline’s and the latest value’s). Null when suppressed.',
  })
  communities!: number | null;

  @Field({ description: 'Whether the values are withheld to protect respondents.' })
  suppressed!: boolean;

  @Field(() => SuppressionReason, {
    nullable: true,
    description: 'Always null: a reason would narrow the hidden count.',
    deprecationReason: 'A reason narrows the hidden count; use `suppressed`.',
  })
  suppressionReason!: SuppressionReason | null;

  @Field(() => OutcomeDisclosure, {
    nullable: true,
    description:
      'For a summary read under a sharing agreement (or a preview): how it was protected. Null when the values are exact.',
  })
  disclosure!: OutcomeDisclosure | null;
}
