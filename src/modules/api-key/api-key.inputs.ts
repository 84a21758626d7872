import { ArrayMaxSize, ArrayNotEmpty, MaxLength, MinLength } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { Field, InputType } from 'type-graphql';
import { Scope } from '../../auth/principal';

export const API_KEY_NAME_MAX = 200;

@InputType({ description: 'A new API key for an organisation in tenants you administer.' })
export class CreateApiKeyInput {
  @Field({ description: `What the key is for (1 to ${API_KEY_NAME_MAX} characters).` })
  @MinLength(1)
  @MaxLength(API_KEY_NAME_MAX)
  name!: string;

  @Field(() => UUIDResolver, {
    description: 'The organisation the key acts for; it must hold a role in each of the tenants.',
  })
  organisationId!: string;

  @Field(() => [String], {
    description: 'The tenants (country codes) the key works in; you must administer each.',
  })
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  tenantCodes!: string[];

  @Field(() => [Scope], { description: 'What the key may do: read, write, aggregate, admin.' })
  @ArrayNotEmpty()
  @ArrayMaxSize(4)
  scopes!: Scope[];

  @Field(() => Date, {
    nullable: true,
    description: 'When the key stops working (in the future); never if omitted.',
  })
  expiresAt?: Date | null;
}

@InputType({ description: 'The API key to revoke.' })
export class RevokeApiKeyInput {
  @Field(() => UUIDResolver, { description: 'The key id.' })
  id!: string;
}
