import { Connection } from '../../common/connection';
import { Field, ID, Int, ObjectType, UseMiddleware } from 'type-graphql';
import { TENANT_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

@ObjectType({
  description: 'A country in which the programme runs; every programme row belongs to one.',
})
export class Tenant {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code, e.g. TJ, KG, UZ.' })
  code!: string;

  @Field({ description: "Country name, in the request's language where it has one." })
  @UseMiddleware(Translated(TENANT_TEXTS, TranslatedField.NAME))
  name!: string;

  @Field(() => String, {
    description:
      "The language `name` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(TENANT_TEXTS, TranslatedField.NAME))
  nameLanguage?: string;

  @Field({ description: 'Default locale for names and reports (BCP 47, e.g. tg, ky, uz).' })
  defaultLocale!: string;

  @Field({
    description: 'The language its name is written in (BCP 47); other languages are translations.',
  })
  sourceLanguage!: string;

  @Field(() => [String], {
    description:
      'The languages its names are offered in (BCP 47), as requests are matched against them; set by setTenantLanguages.',
  })
  enabledLanguages!: string[];

  @Field({ description: 'IANA time zone of the country office, e.g. Asia/Dushanbe.' })
  timezone!: string;

  @Field(() => Int, { description: 'Row version, for setTenantLanguages.' })
  version!: number;
}

export const TenantConnection = Connection(Tenant, 'Tenant');
