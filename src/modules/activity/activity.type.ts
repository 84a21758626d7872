import { Field, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { Connection } from '../../common/connection';
import { ProjectRowType } from '../../common/project-row.type';
import { LocalDateScalar } from '../../common/scalars';
import { ActivityType, AgeBand } from './activity.entity';
import { ACTIVITY_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

registerEnumType(ActivityType, {
  name: 'ActivityType',
  description: 'What kind of activity took place.',
  valuesConfig: {
    TRAINING: { description: 'A training of staff, volunteers or community members.' },
    INDUCTION_MEETING: {
      description: 'A meeting that introduces the project to a community or its leaders.',
    },
    STUDY_VISIT: { description: 'A visit to learn from another community or organisation.' },
    COMMUNITY_DIALOGUE: { description: 'A facilitated dialogue among community members.' },
    RELIGIOUS_LEADER_SESSION: { description: 'A session with religious leaders.' },
    SAVINGS_GROUP: { description: 'A meeting of a savings group.' },
    PSYCHOSOCIAL_SUPPORT: { description: 'Psychosocial support for survivors or people at risk.' },
    ADVOCACY_EVENT: { description: 'An advocacy event with authorities or the public.' },
    REFERRAL: { description: 'A referral of a person to services.' },
  },
});
registerEnumType(AgeBand, {
  name: 'AgeBand',
  description: 'Age band of participants or respondents.',
  valuesConfig: {
    UNDER_18: { description: 'Younger than 18.' },
    AGE_18_24: { description: '18 to 24 years old.' },
    AGE_25_49: { description: '25 to 49 years old.' },
    AGE_50_PLUS: { description: '50 or older.' },
    MIXED: { description: 'Of several age bands.' },
  },
});

@ObjectType({ description: 'How many people took part, by sex.' })
export class Participants {
  @Field(() => Int, { description: 'Women and girls.' })
  female!: number;

  @Field(() => Int, { description: 'Men and boys.' })
  male!: number;

  @Field(() => Int, { description: 'People of another or unrecorded sex.' })
  other!: number;

  @Field(() => Int, { description: 'Everyone.' })
  total!: number;
}

@ObjectType({
  description: 'Something a project did: a training, a dialogue, a religious-leader session, …',
})
export class Activity extends ProjectRowType {
  facilitatorOrganisationId!: string | null;
  recordedByOrganisationId!: string;
  participantsFemale!: number;
  participantsMale!: number;
  participantsOther!: number;

  @Field(() => Participants, { description: 'How many people took part, by sex.' })
  participants!: Participants;

  @Field(() => ActivityType, { description: 'What kind of activity it was.' })
  type!: ActivityType;

  @Field({ description: "Title, in the request's language where it has one (else as recorded)." })
  @UseMiddleware(Translated(ACTIVITY_TEXTS, TranslatedField.TITLE))
  title!: string;

  @Field(() => String, {
    description:
      "The language `title` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(ACTIVITY_TEXTS, TranslatedField.TITLE))
  titleLanguage?: string;

  @Field({
    description:
      'The language its title is written in (BCP 47); other languages are translations of it.',
  })
  sourceLanguage!: string;

  @Field(() => LocalDateScalar, { description: 'Day it started.' })
  startDate!: string;

  @Field(() => LocalDateScalar, {
    nullable: true,
    description: 'Day it ended, if it ran longer than a day.',
  })
  endDate!: string | null;

  @Field(() => AgeBand, {
    nullable: true,
    description: 'Age band of the participants, if recorded.',
  })
  ageBand!: AgeBand | null;
}

export const ActivityConnection = Connection(Activity, 'Activity');
