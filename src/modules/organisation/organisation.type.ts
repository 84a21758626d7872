import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { OrganisationKind } from './organisation.entity';

registerEnumType(OrganisationKind, {
  name: 'OrganisationKind',
  description: 'What kind of body an organisation is.',
});

@ObjectType({
  description:
    'An organisation taking part in the programme: implementer, partner NGO, UN agency, donor, …',
})
export class Organisation {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'Name, in the script the organisation uses.' })
  name!: string;

  @Field(() => OrganisationKind, { description: 'What kind of body it is.' })
  kind!: OrganisationKind;
}
