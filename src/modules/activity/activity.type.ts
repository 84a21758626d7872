import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { LocalDateScalar } from '../../common/scalars';
import { ActivityType, AgeBand } from './activity.entity';

registerEnumType(ActivityType, {
  name: 'ActivityType',
  description: 'What kind of activity took place.',
});
registerEnumType(AgeBand, {
  name: 'AgeBand',
  description: 'Age band of participants or respondents.',
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
export class Activity {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;
  projectId!: string;
  communityId!: string | null;
  facilitatorOrganisationId!: string | null;
  recordedByOrganisationId!: string;
  participantsFemale!: number;
  participantsMale!: number;
  participantsOther!: number;

  @Field(() => Participants, { description: 'How many people took part, by sex.' })
  participants!: Participants;

  @Field(() => ActivityType, { description: 'What kind of activity it was.' })
  type!: ActivityType;

  @Field({ description: 'Title, in the language it was recorded in.' })
  title!: string;

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

  @Field(() => String, {
    nullable: true,
    description:
      "The recording organisation's own identifier for this row (unique per tenant and organisation).",
  })
  externalId!: string | null;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  @Field({ description: 'When the row was created.' })
  createdAt!: Date;

  @Field({ description: 'When the row was last changed.' })
  updatedAt!: Date;
}

export const ActivityConnection = Connection(Activity, 'Activity');
