import {
  ArrayMaxSize,
  IsInt,
  IsOptional,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, Int, registerEnumType } from 'type-graphql';
import { LocalDateScalar } from '../../common/scalars';
import { OrderBy } from '../../common/connection';
import { IsCleanText } from '../../common/validation';
import {
  ProjectRowFilterInput,
  ProjectRowListArgs,
  ProjectRowUpdateInput,
  WithExternalId,
} from '../../common/project-row-inputs';
import { ActivityType, AgeBand } from './activity.entity';
import { MAX_TRANSLATIONS, TranslationInput } from '../translation/translation.type';

export enum ActivityOrderField {
  START_DATE = 'START_DATE',
  TITLE = 'TITLE',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(ActivityOrderField, {
  name: 'ActivityOrderField',
  description: 'Fields activities can be sorted by.',
  valuesConfig: {
    START_DATE: { description: 'By the day it started.' },
    TITLE: { description: 'By title.' },
    CREATED_AT: { description: 'By when the row was created.' },
    UPDATED_AT: { description: 'By when the row was last changed (ties by id).' },
  },
});

@InputType({ description: 'Narrows a list of activities; all given conditions must hold.' })
export class ActivityFilter extends ProjectRowFilterInput('activities') {
  @Field(() => [ActivityType], { nullable: true, description: 'Only these kinds of activity.' })
  @IsOptional()
  types?: ActivityType[];

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only activities starting on or after this day.',
  })
  @IsOptional()
  from?: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Only activities starting on or before this day.',
  })
  @IsOptional()
  to?: string;

  @Field({ nullable: true, description: 'Title contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}

export const ActivityOrder = OrderBy(ActivityOrderField, 'ActivityOrder', 'activities');
export type ActivityOrder = InstanceType<typeof ActivityOrder>;

@ArgsType()
export class ActivitiesArgs extends ProjectRowListArgs(
  ActivityFilter,
  ActivityOrder,
  'activities',
  'latest first',
) {}

/** The participant limit of DESIGN: 0 to 100,000 per group. */
export const MAX_PARTICIPANTS = 100_000;

@InputType({ description: 'How many people took part, by sex (each 0–100,000).' })
export class ParticipantsInput {
  @Field(() => Int, { defaultValue: 0, description: 'Women and girls.' })
  @IsInt()
  @Min(0)
  @Max(MAX_PARTICIPANTS)
  female!: number;

  @Field(() => Int, { defaultValue: 0, description: 'Men and boys.' })
  @IsInt()
  @Min(0)
  @Max(MAX_PARTICIPANTS)
  male!: number;

  @Field(() => Int, { defaultValue: 0, description: 'People of another or unrecorded sex.' })
  @IsInt()
  @Min(0)
  @Max(MAX_PARTICIPANTS)
  other!: number;
}

/** The fields of an activity a client writes, shared by create and import. */
@InputType({ description: 'The fields of an activity a client writes.' })
export class ActivityValuesInput {
  @Field(() => UUIDResolver, { description: 'The project; its tenant is the activity’s.' })
  projectId!: string;

  @Field(() => UUIDResolver, {
    nullable: true,
    description: 'The community, which the project must target.',
  })
  @IsOptional()
  communityId?: string | null;

  @Field(() => ActivityType, { description: 'What kind of activity.' })
  type!: ActivityType;

  @Field({ description: 'Title (1–300 characters).' })
  @IsCleanText(300)
  title!: string;

  @Field(() => LocalDateScalar, { description: 'First day, within the project’s span.' })
  startDate!: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Last day, not before the first and within the project’s span.',
  })
  @IsOptional()
  endDate?: string | null;

  @Field(() => UUIDResolver, { nullable: true, description: 'The facilitating organisation.' })
  @IsOptional()
  facilitatorOrganisationId?: string | null;

  @Field(() => ParticipantsInput, { nullable: true, description: 'Participants; 0 when omitted.' })
  @IsOptional()
  @ValidateNested()
  participants?: ParticipantsInput | null;

  @Field(() => AgeBand, { nullable: true, description: 'Age band of the participants.' })
  @IsOptional()
  ageBand?: AgeBand | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The language the title is written in (BCP 47), one the tenant offers. A new activity without it is in the tenant's default language; an imported one already stored keeps its own.",
  })
  @IsOptional()
  @MaxLength(35)
  sourceLanguage?: string | null;

  @Field(() => [TranslationInput], {
    nullable: true,
    description:
      'Its title in other languages than its source language; a null value removes one, languages not given stay as they are.',
  })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(MAX_TRANSLATIONS)
  translations?: TranslationInput[] | null;
}

@InputType({ description: 'A new activity of a project you may record for.' })
export class CreateActivityInput extends WithExternalId(ActivityValuesInput) {}

@InputType({ description: 'Changes to an activity; omitted fields stay as they are.' })
export class UpdateActivityInput extends ProjectRowUpdateInput {
  @Field(() => ActivityType, { nullable: true, description: 'What kind of activity.' })
  @IsOptional()
  type?: ActivityType;

  @Field({ nullable: true, description: 'New title.' })
  @IsOptional()
  @IsCleanText(300)
  title?: string;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New first day.' })
  @IsOptional()
  startDate?: string;

  @Field(() => LocalDateScalar, { nullable: true, description: 'New last day; null clears it.' })
  @IsOptional()
  endDate?: string | null;

  @Field(() => UUIDResolver, { nullable: true, description: 'Facilitator; null clears it.' })
  @IsOptional()
  facilitatorOrganisationId?: string | null;

  @Field(() => ParticipantsInput, { nullable: true, description: 'New participant counts.' })
  @IsOptional()
  @ValidateNested()
  participants?: ParticipantsInput;

  @Field(() => String, {
    nullable: true,
    description:
      'The language the title is written in from now on (BCP 47), one the tenant offers; omitted: unchanged.',
  })
  @IsOptional()
  @MaxLength(35)
  sourceLanguage?: string;

  @Field(() => [TranslationInput], {
    nullable: true,
    description:
      'Its title in other languages than its source language; a null value removes one, languages not given stay as they are.',
  })
  @IsOptional()
  @ValidateNested()
  @ArrayMaxSize(MAX_TRANSLATIONS)
  translations?: TranslationInput[] | null;
}
