import { ArrayMaxSize, IsOptional, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from '../../common/scalars';
import { Settlement } from '../community/community.entity';

/** What outcome summaries can be broken down by. INDICATOR is always implied. */
export enum OutcomeDimension {
  TENANT = 'TENANT',
  REGION = 'REGION',
  PROJECT = 'PROJECT',
  COMMUNITY = 'COMMUNITY',
  INDICATOR = 'INDICATOR',
  SETTLEMENT = 'SETTLEMENT',
  SEX = 'SEX',
  YEAR = 'YEAR',
}
registerEnumType(OutcomeDimension, {
  name: 'OutcomeDimension',
  description:
    'A dimension outcome summaries are grouped by. Every summary is per indicator, so INDICATOR is always implied.',
  valuesConfig: {
    TENANT: { description: 'One summary per tenant (country).' },
    REGION: { description: 'One summary per region of the communities.' },
    PROJECT: { description: 'One summary per project.' },
    COMMUNITY: {
      description:
        'One summary per community: for readers of rows only, never shared under an agreement.',
    },
    INDICATOR: { description: 'One summary per indicator (always implied).' },
    SETTLEMENT: { description: 'One summary per settlement type (rural or urban).' },
    SEX: { description: 'One summary per sex of the respondents, where disaggregated.' },
    YEAR: { description: 'One summary per calendar year of the measurements.' },
  },
});

/** Which rows an outcome summary counts (see the approval module). */
export enum SummaryApproval {
  APPROVED = 'APPROVED',
  ANY = 'ANY',
}

registerEnumType(SummaryApproval, {
  name: 'SummaryApproval',
  description: 'Which rows outcome summaries count, by the approval state of their period.',
  valuesConfig: {
    APPROVED: { description: 'Only rows of approved periods (the default).' },
    ANY: { description: 'Rows in any state (drafts included): readers of rows only.' },
  },
});

@InputType({ description: 'Which measurements outcome summaries are built from.' })
export class OutcomeFilter {
  @Field(() => [String], {
    nullable: true,
    description: 'Only these tenants (country codes); all you may aggregate when omitted.',
  })
  @IsOptional()
  @ArrayMaxSize(50)
  tenants?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Only these indicators (codes).' })
  @IsOptional()
  @ArrayMaxSize(100)
  indicatorCodes?: string[] | null;

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only these projects (not for aggregate analysts).',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[] | null;

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only these communities (not for aggregate analysts).',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  communityIds?: string[] | null;

  @Field(() => Settlement, {
    nullable: true,
    description: 'Only rural or only urban communities (not for aggregate analysts).',
  })
  @IsOptional()
  settlement?: Settlement | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only values measured on or after this day (not for aggregate analysts).',
  })
  @IsOptional()
  from?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only values measured on or before this day (not for aggregate analysts).',
  })
  @IsOptional()
  to?: string | null;
}

@ArgsType()
export class OutcomeSummariesArgs {
  @Field(() => OutcomeFilter, { nullable: true, description: 'Which measurements to summarise.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: OutcomeFilter | null;

  @Field(() => [OutcomeDimension], {
    defaultValue: [],
    description: 'Dimensions to group by, besides the indicator (always implied).',
  })
  @ArrayMaxSize(8)
  groupBy!: OutcomeDimension[];

  @Field(() => Boolean, {
    defaultValue: false,
    description:
      'For readers of rows: protect the answer as a recipient would get it, small cells suppressed and the rest perturbed (with `agreementId`, exactly what that agreement’s recipient gets). Analysts’ answers are always protected.',
  })
  preview!: boolean;

  @Field(() => UUIDResolver, {
    nullable: true,
    description:
      'The sharing agreement to read under (analysts) or to preview (tenant admins); chosen automatically for analysts when omitted.',
  })
  @IsOptional()
  agreementId?: string | null;

  @Field(() => SummaryApproval, {
    defaultValue: SummaryApproval.APPROVED,
    description:
      'Which rows count: APPROVED periods only (the default), or ANY state (readers of rows only; analysts and recipients of agreements only ever get approved data).',
  })
  approval!: SummaryApproval;
}
