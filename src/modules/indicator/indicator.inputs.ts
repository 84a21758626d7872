import { ArrayMaxSize, IsOptional, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderBy, PageArgs } from '../../common/connection';
import { IsCleanText } from '../../common/validation';
import { VersionedRowInput } from '../../common/write-inputs';
import { IndicatorDirection, IndicatorUnit } from './indicator.entity';
import { MAX_TRANSLATIONS, TranslationInput } from '../translation/translation.type';

/** The database's own CHECK on indicator codes. */
const INDICATOR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

export enum IndicatorOrderField {
  CODE = 'CODE',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(IndicatorOrderField, {
  name: 'IndicatorOrderField',
  description: 'Fields indicators can be sorted by.',
  valuesConfig: {
    CODE: { description: 'By code.' },
    UPDATED_AT: { description: 'By when the row was last changed (ties by id).' },
  },
});

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

  @Field(() => Date, {
    nullable: true,
    description:
      'Only indicators changed at or after this time (their updatedAt). A sync that must miss nothing reads `changes` instead: a write that commits late can carry an earlier time.',
  })
  @IsOptional()
  updatedSince?: Date;
}

export const IndicatorOrder = OrderBy(IndicatorOrderField, 'IndicatorOrder', 'indicators');
export type IndicatorOrder = InstanceType<typeof IndicatorOrder>;

@ArgsType()
export class IndicatorsArgs extends PageArgs {
  @Field(() => IndicatorFilter, { nullable: true, description: 'Conditions on the indicators.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: IndicatorFilter | null;

  @Field(() => IndicatorOrder, { nullable: true, description: 'Sort order; by code when omitted.' })
  orderBy?: IndicatorOrder | null;
}

@InputType({
  description: 'A new indicator of one tenant (global ones are managed by the platform).',
})
export class CreateIndicatorInput {
  @Field({ description: 'Country code of the tenant that owns it, e.g. UZ.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field({ description: 'Code: capitals, digits and underscores, e.g. GIRLS_ENROLMENT.' })
  @Matches(INDICATOR_CODE, { message: 'code must be capitals, digits and underscores (2–64)' })
  code!: string;

  @Field({ description: 'Name (1–300 characters).' })
  @IsCleanText(300)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Definition (up to 5,000 characters).' })
  @IsOptional()
  @IsCleanText(5000)
  description?: string | null;

  @Field(() => IndicatorUnit, { description: 'The unit values are in.' })
  unit!: IndicatorUnit;

  @Field(() => IndicatorDirection, { description: 'Which way is better.' })
  direction!: IndicatorDirection;

  @Field(() => String, {
    nullable: true,
    description:
      "The language its texts are written in (BCP 47), one its tenant offers; by default the tenant's default language.",
  })
  @IsOptional()
  @MaxLength(35)
  sourceLanguage?: string | null;

  @Field(() => [TranslationInput], {
    nullable: true,
    description: 'Its texts in other languages than its source language; a null value removes one.',
  })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(MAX_TRANSLATIONS)
  translations?: TranslationInput[];
}

@InputType({ description: 'Changes to a tenant indicator; omitted fields stay as they are.' })
export class UpdateIndicatorInput extends VersionedRowInput {
  @Field({ nullable: true, description: 'New code.' })
  @IsOptional()
  @Matches(INDICATOR_CODE, { message: 'code must be capitals, digits and underscores (2–64)' })
  code?: string;

  @Field({ nullable: true, description: 'New name.' })
  @IsOptional()
  @IsCleanText(300)
  name?: string;

  @Field(() => String, { nullable: true, description: 'New definition; null clears it.' })
  @IsOptional()
  @IsCleanText(5000)
  description?: string | null;

  @Field(() => IndicatorUnit, {
    nullable: true,
    description: 'New unit; refused once values are recorded.',
  })
  @IsOptional()
  unit?: IndicatorUnit;

  @Field(() => IndicatorDirection, { nullable: true, description: 'Which way is better.' })
  @IsOptional()
  direction?: IndicatorDirection;

  @Field(() => String, {
    nullable: true,
    description:
      'The language its texts are written in from now on (BCP 47), one its tenant offers; omitted: unchanged.',
  })
  @IsOptional()
  @MaxLength(35)
  sourceLanguage?: string;

  @Field(() => [TranslationInput], {
    nullable: true,
    description: 'Its texts in other languages than its source language; a null value removes one.',
  })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(MAX_TRANSLATIONS)
  translations?: TranslationInput[];
}
