import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A person who signs in with a token from the identity provider.' })
export class User {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'Email address, as the identity provider knows it.' })
  email!: string;

  @Field({ description: 'Name to show for the person.' })
  displayName!: string;
}
