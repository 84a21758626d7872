import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsDateString,
  IsInt,
  IsOptional,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { OrderBy, PageArgs } from '../../common/connection';
import { LocalDateScalar } from '../../common/scalars';
import { ApprovalState, ReportingPeriodLength, SelfApproval } from './approval.entity';

@InputType({ description: 'A reporting period of a project, named by any day in it.' })
export class PeriodRefInput {
  @Field(() => UUIDResolver, { description: 'The project.' })
  @IsUUID()
  projectId!: string;

  @Field(() => LocalDateScalar, { description: 'Any day of the period (e.g. its first).' })
  @IsDateString({ strict: true })
  date!: string;
}

@InputType({ description: 'One period to move, with an optional comment.' })
export class PeriodTransitionInput extends PeriodRefInput {
  @Field(() => String, {
    nullable: true,
    description: 'A comment; required to return or unapprove (the reason), up to 2,000 characters.',
  })
  @IsOptional()
  @Length(1, 2000)
  comment?: string | null;
}

@InputType({
  description: 'Several periods (of one or several projects) to move in one transaction.',
})
export class PeriodsTransitionInput {
  @Field(() => [PeriodRefInput], { description: 'The periods, 1 to 100.' })
  @ArrayNotEmpty()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  periods!: PeriodRefInput[];

  @Field(() => String, {
    nullable: true,
    description: 'A comment for all of them; required to return or unapprove.',
  })
  @IsOptional()
  @Length(1, 2000)
  comment?: string | null;
}

@InputType({ description: 'A tenant’s approval settings to change; absent fields stay.' })
export class UpdateApprovalSettingsInput {
  @Field({ description: 'The tenant’s country code.' })
  @Length(2, 2)
  tenantCode!: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Days after a period’s end during which it still accepts input; 0: always open.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3660)
  inputWindowDays?: number | null;

  @Field(() => SelfApproval, {
    nullable: true,
    description: 'Whether an organisation may approve its own submission.',
  })
  @IsOptional()
  selfApproval?: SelfApproval | null;
}

@InputType({ description: 'A lock exception to grant: reopens a closed period of one project.' })
export class GrantLockExceptionInput extends PeriodRefInput {
  @Field({ description: 'Until when the period accepts input again (in the future).' })
  until!: Date;

  @Field({ description: 'Why (kept in the audit log), 1 to 2,000 characters.' })
  @Length(1, 2000)
  reason!: string;
}

@InputType({ description: 'The length of a project’s reporting periods to set.' })
export class SetReportingPeriodLengthInput {
  @Field(() => UUIDResolver, { description: 'The project.' })
  @IsUUID()
  projectId!: string;

  @Field(() => ReportingPeriodLength, {
    description: 'Months, quarters or years; only while none of its periods has left DRAFT.',
  })
  length!: ReportingPeriodLength;
}

@InputType({ description: 'Narrows a list of reporting periods; all given conditions must hold.' })
export class ReportingPeriodFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [UUIDResolver], { nullable: true, description: 'Only periods of these projects.' })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[];

  @Field(() => [ApprovalState], { nullable: true, description: 'Only periods in these states.' })
  @IsOptional()
  @ArrayMaxSize(4)
  states?: ApprovalState[];

  @Field(() => LocalDateScalar, { nullable: true, description: 'Only periods ending on or after.' })
  @IsOptional()
  from?: string | null;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only periods starting on or before.',
  })
  @IsOptional()
  to?: string | null;
}

/** What reporting periods can be sorted by. */
export enum ReportingPeriodOrderField {
  START = 'START',
}

registerEnumType(ReportingPeriodOrderField, {
  name: 'ReportingPeriodOrderField',
  description: 'What reporting periods can be sorted by.',
  valuesConfig: {
    START: { description: 'The first day of the period (then the project, as a tie-break).' },
  },
});

export const ReportingPeriodOrder = OrderBy(
  ReportingPeriodOrderField,
  'ReportingPeriodOrder',
  'reporting periods',
);
export type ReportingPeriodOrder = InstanceType<typeof ReportingPeriodOrder>;

@ArgsType()
export class ReportingPeriodsArgs extends PageArgs {
  @Field(() => ReportingPeriodFilter, {
    nullable: true,
    description: 'Conditions on the periods.',
  })
  @ValidateNested()
  filter?: ReportingPeriodFilter | null;

  @Field(() => ReportingPeriodOrder, {
    nullable: true,
    description: 'Sort order; oldest first when omitted.',
  })
  orderBy?: ReportingPeriodOrder | null;
}
