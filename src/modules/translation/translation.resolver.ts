import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { chooseText } from './translation.languages';
import { ENUM_LABELS, LabelledEnum } from './translation.labels';
import { requestLanguage } from './translation.locale';
import { setTranslations } from './translation.service';
import { EnumLabel, SetTranslationsInput, SetTranslationsPayload } from './translation.type';

@Resolver()
export class TranslationResolver {
  @Query(() => [EnumLabel], {
    description: "Display labels of an enum's values, in the request's language (see @locale).",
  })
  enumLabels(
    @Arg('enum', () => LabelledEnum, { description: 'Which enum.' }) name: LabelledEnum,
    @Ctx() ctx: RequestContext,
  ): EnumLabel[] {
    const { order } = requestLanguage(ctx);
    return Object.entries(ENUM_LABELS[name]).map(([value, labels]) => {
      const english = { value: labels.en ?? value, language: 'en' };
      const chosen = chooseText(order, null, english, new Map(Object.entries(labels)))!;
      return { value, label: chosen.value, language: chosen.language };
    });
  }

  @Mutation(() => SetTranslationsPayload, {
    description:
      'Sets or removes translations of one text of one row, for whoever may write the row ' +
      '(partners: the activities of their projects); versioned and audited as a change of the row.',
  })
  setTranslations(
    @Arg('input', { description: 'The row, its text and the languages to set.' })
    input: SetTranslationsInput,
    @Ctx() ctx: RequestContext,
  ) {
    return setTranslations(ctx, input);
  }
}
