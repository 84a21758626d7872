import { Connection } from '../../common/connection';
import { Field, ID, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { Settlement } from './community.entity';
import { COMMUNITY_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { AnsweredIn, Translated } from '../translation/translation.fields';

registerEnumType(Settlement, {
  name: 'Settlement',
  description: 'Rural or urban settlement.',
  valuesConfig: {
    RURAL: { description: 'A rural settlement (village).' },
    URBAN: { description: 'An urban settlement (town or city quarter).' },
  },
});

@ObjectType({ description: 'A community (village, mahalla, town quarter) that projects target.' })
export class Community {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;

  @Field({
    description:
      'The language its texts are written in (BCP 47); other languages are translations of them.',
  })
  sourceLanguage!: string;

  @Field({ description: "Name, in the request's language where it has one (else as written)." })
  @UseMiddleware(Translated(COMMUNITY_TEXTS, TranslatedField.NAME))
  name!: string;

  @Field(() => String, {
    description:
      "The language `name` answered in (BCP 47): the request's, a fallback, or the source text's own.",
  })
  @UseMiddleware(AnsweredIn(COMMUNITY_TEXTS, TranslatedField.NAME))
  nameLanguage?: string;

  @Field({ description: 'Region (oblast, viloyat).' })
  region!: string;

  @Field({ description: 'District (rayon, tuman).' })
  district!: string;

  @Field(() => Settlement, { description: 'Rural or urban.' })
  settlement!: Settlement;

  @Field(() => Int, { nullable: true, description: 'Number of households, if known.' })
  households!: number | null;

  @Field(() => Int, { nullable: true, description: 'Population, if known.' })
  population!: number | null;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  @Field({ description: 'When the row was created.' })
  createdAt!: Date;

  @Field({ description: 'When the row was last changed.' })
  updatedAt!: Date;
}

export const CommunityConnection = Connection(Community, 'Community');
