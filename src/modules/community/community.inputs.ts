import { ArrayMaxSize, IsOptional, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { IsCleanText } from '../../common/validation';
import { VersionedRowInput } from '../../common/write-inputs';
import { OrderBy, PageArgs } from '../../common/connection';
import { Settlement } from './community.entity';
import { MAX_TRANSLATIONS, TranslationInput } from '../translation/translation.type';

export enum CommunityOrderField {
  NAME = 'NAME',
  REGION = 'REGION',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(CommunityOrderField, {
  name: 'CommunityOrderField',
  description: 'Fields communities can be sorted by.',
  valuesConfig: {
    NAME: { description: 'By name.' },
    REGION: { description: 'By region.' },
    CREATED_AT: { description: 'By when the row was created.' },
    UPDATED_AT: { description: 'By when the row was last changed (ties by id).' },
  },
});

@InputType({ description: 'Narrows a list of communities; all given conditions must hold.' })
export class CommunityFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only communities these projects target.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[];

  @Field({ nullable: true, description: 'Only this region (exact name).' })
  @IsOptional()
  @MaxLength(200)
  region?: string;

  @Field({ nullable: true, description: 'Only this district (exact name).' })
  @IsOptional()
  @MaxLength(200)
  district?: string;

  @Field(() => Settlement, { nullable: true, description: 'Only rural or only urban communities.' })
  @IsOptional()
  settlement?: Settlement;

  @Field({ nullable: true, description: 'Name contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'Only communities changed at or after this time (their updatedAt). A sync that must miss nothing reads `changes` instead: a write that commits late can carry an earlier time.',
  })
  @IsOptional()
  updatedSince?: Date;
}

export const CommunityOrder = OrderBy(CommunityOrderField, 'CommunityOrder', 'communities');
export type CommunityOrder = InstanceType<typeof CommunityOrder>;

@ArgsType()
export class CommunitiesArgs extends PageArgs {
  @Field(() => CommunityFilter, { nullable: true, description: 'Conditions on the communities.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: CommunityFilter | null;

  @Field(() => CommunityOrder, { nullable: true, description: 'Sort order; by name when omitted.' })
  orderBy?: CommunityOrder | null;
}

const MAX_HEADCOUNT = 100_000_000;

@InputType({ description: 'A new community in one tenant.' })
export class CreateCommunityInput {
  @Field({ description: 'Country code of the tenant, e.g. KG.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field({ description: 'Name in the local script (1–300 characters).' })
  @IsCleanText(300)
  name!: string;

  @Field({ description: 'Region (1–200 characters).' })
  @IsCleanText(200)
  region!: string;

  @Field({ description: 'District (1–200 characters).' })
  @IsCleanText(200)
  district!: string;

  @Field(() => Settlement, { description: 'Rural or urban.' })
  settlement!: Settlement;

  @Field(() => Int, { nullable: true, description: 'Number of households, if known.' })
  @IsOptional()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  households?: number | null;

  @Field(() => Int, { nullable: true, description: 'Population, if known.' })
  @IsOptional()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  population?: number | null;

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Projects of the same tenant that target the community.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  projectIds?: string[] | null;

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

@InputType({ description: 'Changes to a community; omitted fields stay as they are.' })
export class UpdateCommunityInput extends VersionedRowInput {
  @Field({ nullable: true, description: 'New name.' })
  @IsOptional()
  @IsCleanText(300)
  name?: string;

  @Field({ nullable: true, description: 'New region.' })
  @IsOptional()
  @IsCleanText(200)
  region?: string;

  @Field({ nullable: true, description: 'New district.' })
  @IsOptional()
  @IsCleanText(200)
  district?: string;

  @Field(() => Settlement, { nullable: true, description: 'Rural or urban.' })
  @IsOptional()
  settlement?: Settlement;

  @Field(() => Int, { nullable: true, description: 'Households; null clears it.' })
  @IsOptional()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  households?: number | null;

  @Field(() => Int, { nullable: true, description: 'Population; null clears it.' })
  @IsOptional()
  @Min(0)
  @Max(MAX_HEADCOUNT)
  population?: number | null;

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
