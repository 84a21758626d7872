import { Connection } from '../../common/connection';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Settlement } from './community.entity';

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

  @Field({ description: 'Name, in the local script.' })
  name!: string;

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
