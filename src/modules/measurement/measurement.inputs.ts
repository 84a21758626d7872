import { ArrayMaxSize, IsInt, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, Float, InputType, Int, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from '../../common/scalars';
import { OrderBy, PageArgs } from '../../common/connection';
import { IsCleanText } from '../../common/validation';
import { VersionedRowInput } from '../../common/write-inputs';
import { AgeBand } from '../activity/activity.entity';
import { MeasurementPeriod, Sex } from './measurement.entity';

export enum MeasurementOrderField {
  MEASURED_ON = 'MEASURED_ON',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(MeasurementOrderField, {
  name: 'MeasurementOrderField',
  description: 'Fields measurements can be sorted by.',
});

@InputType({ description: 'Narrows a list of measurements; all given conditions must hold.' })
export class MeasurementFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only measurements of these projects.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only measurements in these communities.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  communityIds?: string[];

  @Field(() => [String], { nullable: true, description: 'Only these indicators (codes).' })
  @IsOptional()
  @ArrayMaxSize(100)
  indicatorCodes?: string[];

  @Field(() => [MeasurementPeriod], { nullable: true, description: 'Only these periods.' })
  @IsOptional()
  periods?: MeasurementPeriod[];

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only values measured on or after this day.',
  })
  @IsOptional()
  from?: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only values measured on or before this day.',
  })
  @IsOptional()
  to?: string;
}

export const MeasurementOrder = OrderBy(MeasurementOrderField, 'MeasurementOrder', 'measurements');
export type MeasurementOrder = InstanceType<typeof MeasurementOrder>;

@ArgsType()
export class MeasurementsArgs extends PageArgs {
  @Field(() => MeasurementFilter, {
    nullable: true,
    description: 'Conditions on the measurements.',
  })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: MeasurementFilter | null;

  @Field(() => MeasurementOrder, {
    nullable: true,
    description: 'Sort order; by measurement day when omitted.',
  })
  orderBy?: MeasurementOrder | null;
}

/** Sample sizes above this are a typing error, not a survey. */
export const MAX_SAMPLE_SIZE = 10_000_000;

/** The fields of a measurement a client writes, shared by create and import. */
@InputType({ description: 'The fields of a measurement a client writes.' })
export class MeasurementValuesInput {
  @Field(() => UUIDResolver, { description: 'The indicator: global, or of the project’s tenant.' })
  indicatorId!: string;

  @Field(() => UUIDResolver, { description: 'The project; its tenant is the measurement’s.' })
  projectId!: string;

  @Field(() => UUIDResolver, {
    nullable: true,
    description: 'The community, which the project must target; omit for a project-level value.',
  })
  @IsOptional()
  communityId?: string | null;

  @Field(() => MeasurementPeriod, { description: 'Baseline, midline, endline or routine.' })
  period!: MeasurementPeriod;

  @Field(() => LocalDateScalar, { description: 'Day measured, within the project’s span.' })
  measuredOn!: string;

  @Field(() => Float, {
    description:
      "The value in the indicator's unit: PERCENT 0–100, COUNT a whole number ≥ 0, CURRENCY ≥ 0; at most 4 decimals.",
  })
  value!: number;

  @Field(() => Int, { nullable: true, description: 'Respondents (0–10,000,000).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SAMPLE_SIZE)
  sampleSize?: number | null;

  @Field(() => Sex, { nullable: true, description: 'Sex of the respondents, if disaggregated.' })
  @IsOptional()
  sex?: Sex | null;

  @Field(() => AgeBand, { nullable: true, description: 'Age band, if disaggregated.' })
  @IsOptional()
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true, description: 'Source and method (up to 1,000).' })
  @IsOptional()
  @IsCleanText(1000)
  source?: string | null;
}

@InputType({ description: 'A new measurement of a project you may record for.' })
export class CreateMeasurementInput extends MeasurementValuesInput {
  @Field(() => String, {
    nullable: true,
    description: 'Your own identifier for the row (unique per tenant and your organisation).',
  })
  @IsOptional()
  @IsCleanText(200)
  externalId?: string | null;
}

@InputType({ description: 'Changes to a measurement; omitted fields stay as they are.' })
export class UpdateMeasurementInput extends VersionedRowInput {
  @Field(() => UUIDResolver, { nullable: true, description: 'New indicator.' })
  @IsOptional()
  indicatorId?: string;

  @Field(() => UUIDResolver, { nullable: true, description: 'The community; null clears it.' })
  @IsOptional()
  communityId?: string | null;

  @Field(() => MeasurementPeriod, { nullable: true, description: 'New period.' })
  @IsOptional()
  period?: MeasurementPeriod;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New day.' })
  @IsOptional()
  measuredOn?: string;

  @Field(() => Float, { nullable: true, description: 'New value.' })
  @IsOptional()
  value?: number;

  @Field(() => Int, { nullable: true, description: 'Respondents; null clears it.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SAMPLE_SIZE)
  sampleSize?: number | null;

  @Field(() => Sex, { nullable: true, description: 'Sex; null clears it.' })
  @IsOptional()
  sex?: Sex | null;

  @Field(() => AgeBand, { nullable: true, description: 'Age band; null clears it.' })
  @IsOptional()
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true, description: 'Source; null clears it.' })
  @IsOptional()
  @IsCleanText(1000)
  source?: string | null;

  @Field(() => String, { nullable: true, description: 'Your identifier; null clears it.' })
  @IsOptional()
  @IsCleanText(200)
  externalId?: string | null;
}
