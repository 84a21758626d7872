import { Field, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { OrganisationKind } from './organisation.entity';
import { ORGANISATION_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

registerEnumType(OrganisationKind, {
  name: 'OrganisationKind',
  description: 'What kind of body an organisation is.',
  valuesConfig: {
    IMPLEMENTER: { description: 'Implements projects of the programme.' },
    PARTNER_NGO: { description: 'A non-governmental partner organisation.' },
    UN_AGENCY: { description: 'A United Nations agency.' },
    DONOR: { description: 'Funds projects.' },
    GOVERNMENT: { description: 'A government body.' },
    RELIGIOUS_INSTITUTION: { description: 'A religious institution.' },
    COMMUNITY_GROUP: { description: 'A community-based group.' },
  },
});

@ObjectType({
  description:
    'An organisation taking part in the programme: implementer, partner NGO, UN agency, donor, …',
})
export class Organisation {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({
    description: "Name, in the request's language where it has one (else as it writes it).",
  })
  @UseMiddleware(Translated(ORGANISATION_TEXTS, TranslatedField.NAME))
  name!: string;

  @Field(() => String, {
    description:
      "The language `name` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(ORGANISATION_TEXTS, TranslatedField.NAME))
  nameLanguage?: string;

  @Field({
    description: 'The language its name is written in (BCP 47); other languages are translations.',
  })
  sourceLanguage!: string;

  @Field(() => OrganisationKind, { description: 'What kind of body it is.' })
  kind!: OrganisationKind;

  @Field(() => String, {
    nullable: true,
    description:
      'Its IATI organisation identifier (e.g. GB-CHC-327553), which the IATI export names it by; null when not known yet.',
  })
  iatiIdentifier!: string | null;

  @Field(() => Int, { description: 'Version, for setOrganisationIatiIdentifier.' })
  version!: number;
}
