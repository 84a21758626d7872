import { ArrayMaxSize, IsInt, IsOptional, Max, Min } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, Float, InputType, Int, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from '../../common/scalars';
import { OrderBy } from '../../common/connection';
import { IsCleanText } from '../../common/validation';
import {
  ProjectRowFilterInput,
  ProjectRowListArgs,
  ProjectRowUpdateInput,
  WithExternalId,
} from '../../common/project-row-inputs';
import { AgeBand } from '../activity/activity.entity';
import { MeasurementPeriod, Sex } from './measurement.entity';

export enum MeasurementOrderField {
  MEASURED_ON = 'MEASURED_ON',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(MeasurementOrderField, {
  name: 'MeasurementOrderField',
  description: 'Fields measurements can be sorted by.',
  valuesConfig: {
    MEASURED_ON: { description: 'By the day measured.' },
    CREATED_AT: { description: 'By when the row was created.' },
    UPDATED_AT: { description: 'By when the row was last changed (ties by id).' },
  },
});

@InputType({ description: 'Narrows a list of measurements; all given conditions must hold.' })
export class MeasurementFilter extends ProjectRowFilterInput('measurements') {
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
export class MeasurementsArgs extends ProjectRowListArgs(
  MeasurementFilter,
  MeasurementOrder,
  'measurements',
  'by measurement day',
) {}

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
export class CreateMeasurementInput extends WithExternalId(MeasurementValuesInput) {}

@InputType({ description: 'Changes to a measurement; omitted fields stay as they are.' })
export class UpdateMeasurementInput extends ProjectRowUpdateInput {
  @Field(() => UUIDResolver, { nullable: true, description: 'New indicator.' })
  @IsOptional()
  indicatorId?: string;

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

  @Field(() => String, { nullable: true, description: 'Source; null clears it.' })
  @IsOptional()
  @IsCleanText(1000)
  source?: string | null;
}
