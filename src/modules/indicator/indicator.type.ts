import { Connection } from '../../common/connection';
import { Field, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { IndicatorDirection, IndicatorUnit } from './indicator.entity';
import { INDICATOR_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

registerEnumType(IndicatorUnit, {
  name: 'IndicatorUnit',
  description: 'The unit an indicator is measured in.',
  valuesConfig: {
    PERCENT: { description: 'A percentage, 0 to 100.' },
    COUNT: { description: 'A whole number of people or things, 0 or more.' },
    CURRENCY: { description: 'An amount of money, not negative.' },
    SCORE: { description: 'A score on the indicator’s scale (may be negative).' },
    INDEX: { description: 'An index on the indicator’s scale (may be negative).' },
  },
});
registerEnumType(IndicatorDirection, {
  name: 'IndicatorDirection',
  description: 'Which way an indicator should move for things to be getting better.',
  valuesConfig: {
    DECREASE_IS_BETTER: { description: 'Lower values are better (e.g. reported violence).' },
    INCREASE_IS_BETTER: { description: 'Higher values are better (e.g. awareness).' },
  },
});

@ObjectType({
  description: 'A quantity the programme measures, e.g. DV_PREVALENCE or FAMILY_SAVINGS.',
})
export class Indicator {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string | null;

  /** Absent on the indicators of outcome summaries (their resolver loads it). */
  sourceLanguage?: string;

  @Field({ description: 'Code, unique among global indicators or within its tenant.' })
  code!: string;

  @Field({ description: "Name of the indicator, in the request's language where it has one." })
  @UseMiddleware(Translated(INDICATOR_TEXTS, TranslatedField.NAME))
  name!: string;

  @Field(() => String, {
    description:
      "The language `name` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(INDICATOR_TEXTS, TranslatedField.NAME))
  nameLanguage?: string;

  @Field(() => String, {
    nullable: true,
    description: "How it is defined and measured, in the request's language where it has one.",
  })
  @UseMiddleware(Translated(INDICATOR_TEXTS, TranslatedField.DESCRIPTION))
  description!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The language `description` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(INDICATOR_TEXTS, TranslatedField.DESCRIPTION))
  descriptionLanguage?: string | null;

  @Field(() => IndicatorUnit, { description: 'The unit values are in.' })
  unit!: IndicatorUnit;

  @Field(() => IndicatorDirection, { description: 'Which way is better.' })
  direction!: IndicatorDirection;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  /** Absent on the indicator of an outcome summary: its resolver then loads the row. */
  createdAt?: Date;

  /** As createdAt. */
  updatedAt?: Date;
}

export const IndicatorConnection = Connection(Indicator, 'Indicator');
