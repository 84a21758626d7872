import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { LocalDateScalar } from '../../common/scalars';
import { VersionedRowInput } from '../../common/write-inputs';
import { IsCleanText } from '../../common/validation';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderBy, PageArgs } from '../../common/connection';
import { ProjectStatus } from './project.entity';
import { MAX_TRANSLATIONS, TranslationInput } from '../translation/translation.type';

export enum ProjectOrderField {
  NAME = 'NAME',
  CODE = 'CODE',
  START_DATE = 'START_DATE',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(ProjectOrderField, {
  name: 'ProjectOrderField',
  description: 'Fields projects can be sorted by.',
  valuesConfig: {
    NAME: { description: 'By name.' },
    CODE: { description: 'By code.' },
    START_DATE: { description: 'By the day it starts.' },
    CREATED_AT: { description: 'By when the row was created.' },
    UPDATED_AT: { description: 'By when the row was last changed (ties by id).' },
  },
});

@InputType({ description: 'Narrows a list of projects; all given conditions must hold.' })
export class ProjectFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [ProjectStatus], { nullable: true, description: 'Only these statuses.' })
  @IsOptional()
  status?: ProjectStatus[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only projects these organisations implement, fund or partner in.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  organisationIds?: string[];

  @Field({ nullable: true, description: 'Name or code contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;

  @Field(() => Date, {
    nullable: true,
    description:
      'Only projects changed at or after this time (their updatedAt). A sync that must miss nothing reads `changes` instead: a write that commits late can carry an earlier time.',
  })
  @IsOptional()
  updatedSince?: Date;
}

export const ProjectOrder = OrderBy(ProjectOrderField, 'ProjectOrder', 'projects');
export type ProjectOrder = InstanceType<typeof ProjectOrder>;

@ArgsType()
export class ProjectsArgs extends PageArgs {
  @Field(() => ProjectFilter, { nullable: true, description: 'Conditions on the projects.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: ProjectFilter | null;

  @Field(() => ProjectOrder, { nullable: true, description: 'Sort order; by name when omitted.' })
  orderBy?: ProjectOrder | null;
}

@InputType({ description: 'A new project in one tenant.' })
export class CreateProjectInput {
  @Field({ description: 'Country code of the tenant the project runs in, e.g. TJ.' })
  @IsCleanText(2)
  tenantCode!: string;

  @Field({ description: 'Short code, unique in the tenant (1–50 characters).' })
  @IsCleanText(50)
  code!: string;

  @Field({ description: 'Name (1–300 characters).' })
  @IsCleanText(300)
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the project does (up to 5,000).' })
  @IsOptional()
  @IsCleanText(5000)
  description?: string | null;

  @Field(() => ProjectStatus, { defaultValue: ProjectStatus.PLANNED, description: 'Status.' })
  status!: ProjectStatus;

  @Field(() => LocalDateScalar, { description: 'First day.' })
  startDate!: string;

  @Field(() => LocalDateScalar, { nullable: true, description: 'Last day, if known.' })
  @IsOptional()
  endDate?: string | null;

  @Field(() => UUIDResolver, {
    nullable: true,
    description: 'The implementing organisation; yours when omitted.',
  })
  @IsOptional()
  implementerOrganisationId?: string | null;

  @Field(() => [UUIDResolver], { nullable: true, description: 'Funding organisations.' })
  @IsOptional()
  @ArrayMaxSize(50)
  donorOrganisationIds?: string[] | null;

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Partner organisations; their editors may then record its activities.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  partnerOrganisationIds?: string[] | null;

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Communities of the tenant the project targets.',
  })
  @IsOptional()
  @ArrayMaxSize(1000)
  communityIds?: string[] | null;

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

@InputType({ description: 'Changes to a project; omitted fields stay as they are.' })
export class UpdateProjectInput extends VersionedRowInput {
  @Field({ nullable: true, description: 'New code.' })
  @IsOptional()
  @IsCleanText(50)
  code?: string;

  @Field({ nullable: true, description: 'New name.' })
  @IsOptional()
  @IsCleanText(300)
  name?: string;

  @Field(() => String, { nullable: true, description: 'New description; null clears it.' })
  @IsOptional()
  @IsCleanText(5000)
  description?: string | null;

  @Field(() => ProjectStatus, { nullable: true, description: 'New status.' })
  @IsOptional()
  status?: ProjectStatus;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New first day.' })
  @IsOptional()
  startDate?: string;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New last day; null clears it.' })
  @IsOptional()
  endDate?: string | null;

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
