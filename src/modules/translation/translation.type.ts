import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsCleanText } from '../../common/validation';
import { UUIDResolver } from 'graphql-scalars';
import { TranslatableEntity, TranslatedField } from './translation.kinds';

/** Translations one write may give: every language of every text of a row, with room. */
export const MAX_TRANSLATIONS = 50;

@InputType({
  description: 'A text in one more language, beside the source text written in the row itself.',
})
export class TranslationInput {
  @Field(() => TranslatedField, {
    nullable: true,
    description: "Which text: by default the row's name (an activity's title).",
  })
  field?: TranslatedField;

  @Field({
    description:
      'Its language (BCP 47): en, ru, tg, ky, uz-Latn, uz-Cyrl or one the deployment adds; not the source language.',
  })
  @MaxLength(35)
  language!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The text (1–4000 characters, no control characters), kept exactly as sent; null removes the translation.',
  })
  @IsOptional()
  @IsCleanText(4000)
  value!: string | null;
}

@InputType({ description: 'One language of a text, for setTranslations.' })
export class TranslationValueInput {
  @Field({
    description:
      'Its language (BCP 47): en, ru, tg, ky, uz-Latn, uz-Cyrl or one the deployment adds; not the source language.',
  })
  @MaxLength(35)
  language!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The text (1–4000 characters, no control characters), kept exactly as sent; null removes the translation.',
  })
  @IsOptional()
  @IsCleanText(4000)
  value!: string | null;
}

@InputType({ description: 'Translations of one text of one row.' })
export class SetTranslationsInput {
  @Field(() => TranslatableEntity, { description: 'The kind of row.' })
  entity!: TranslatableEntity;

  @Field(() => UUIDResolver, { description: 'Its id.' })
  id!: string;

  @Field(() => TranslatedField, { description: 'Which of its texts.' })
  field!: TranslatedField;

  @Field(() => [TranslationValueInput], {
    description: 'The languages to set (or, with a null value, remove); others stay as they are.',
  })
  @ValidateNested()
  @ArrayMaxSize(MAX_TRANSLATIONS)
  values!: TranslationValueInput[];

  @Field(() => Int, {
    nullable: true,
    description: 'The version you read; CONFLICT when the row has changed since.',
  })
  expectedVersion?: number;
}

@ObjectType({ description: 'A stored translation of a text.' })
export class Translation {
  @Field(() => TranslatedField, { description: 'Which text of the row.' })
  field!: TranslatedField;

  @Field({ description: 'Its language (BCP 47).' })
  language!: string;

  @Field({ description: 'The text.' })
  value!: string;
}

@ObjectType({
  description: 'What setTranslations left: the row’s version and the text’s translations.',
})
export class SetTranslationsPayload {
  @Field(() => UUIDResolver, { description: 'The row translated.' })
  id!: string;

  @Field(() => Int, { description: 'Its new version (a translation is a change of the row).' })
  version!: number;

  @Field({ description: 'The language of the source text, kept in the row itself.' })
  sourceLanguage!: string;

  @Field(() => [Translation], { description: 'Every translation of the text, by language.' })
  translations!: Translation[];
}

@ObjectType({ description: 'The display label of one enum value, in the request’s language.' })
export class EnumLabel {
  @Field({ description: 'The enum value, as the schema spells it.' })
  value!: string;

  @Field({ description: 'Its label.' })
  label!: string;

  @Field({ description: 'The language the label is in (BCP 47).' })
  language!: string;
}
