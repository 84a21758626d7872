import { ArrayMaxSize, IsOptional, ValidateNested } from 'class-validator';
import { LocalDateResolver, UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection, PageArgs } from '../../common/connection';
import { MeasurementPeriod } from './measurement.entity';

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

  @Field(() => LocalDateResolver, {
    nullable: true,
    description: 'Only values measured on or after this day.',
  })
  @IsOptional()
  from?: string;

  @Field(() => LocalDateResolver, {
    nullable: true,
    description: 'Only values measured on or before this day.',
  })
  @IsOptional()
  to?: string;
}

@InputType({ description: 'How to sort measurements.' })
export class MeasurementOrder {
  @Field(() => MeasurementOrderField, { description: 'The field to sort by.' })
  field!: MeasurementOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'The direction.' })
  direction!: OrderDirection;
}

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
