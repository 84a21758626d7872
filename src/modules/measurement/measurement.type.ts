import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { ProjectRowType } from '../../common/project-row.type';
import { LocalDateScalar } from '../../common/scalars';
import { AgeBand } from '../activity/activity.entity';
import { MeasurementPeriod, Sex } from './measurement.entity';

registerEnumType(MeasurementPeriod, {
  name: 'MeasurementPeriod',
  description:
    'When in a project a value was measured: baseline, midline, endline or routine monitoring.',
  valuesConfig: {
    BASELINE: { description: 'Before the project’s work began.' },
    MIDLINE: { description: 'Halfway through the project.' },
    ENDLINE: { description: 'At the end of the project.' },
    ROUTINE: { description: 'Routine monitoring in between.' },
  },
});
registerEnumType(Sex, {
  name: 'Sex',
  description: 'Sex of respondents, for disaggregated values.',
  valuesConfig: {
    FEMALE: { description: 'Women and girls.' },
    MALE: { description: 'Men and boys.' },
    OTHER: { description: 'Another or unrecorded sex.' },
  },
});

@ObjectType({
  description: 'One value of an indicator for a project, and optionally one of its communities.',
})
export class Measurement extends ProjectRowType {
  indicatorId!: string;

  @Field(() => MeasurementPeriod, { description: 'Baseline, midline, endline or routine.' })
  period!: MeasurementPeriod;

  @Field(() => LocalDateScalar, {
    description: 'Day the value was measured (or the survey closed).',
  })
  measuredOn!: string;

  @Field(() => Float, { description: "The value, in the indicator's unit." })
  value!: number;

  @Field(() => Int, { nullable: true, description: 'How many respondents the value is based on.' })
  sampleSize!: number | null;

  @Field(() => Sex, { nullable: true, description: 'Sex of the respondents, when disaggregated.' })
  sex!: Sex | null;

  @Field(() => AgeBand, {
    nullable: true,
    description: 'Age band of the respondents, when disaggregated.',
  })
  ageBand!: AgeBand | null;

  @Field(() => String, {
    nullable: true,
    description: 'Where the value comes from and how it was obtained.',
  })
  source!: string | null;
}

export const MeasurementConnection = Connection(Measurement, 'Measurement');
