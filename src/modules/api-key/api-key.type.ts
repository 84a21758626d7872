import { Field, ID, ObjectType } from 'type-graphql';
import { Scope } from '../../auth/principal';
import { Connection } from '../../common/connection';

@ObjectType({
  description:
    'A credential a program sends as X-Api-Key: it acts for one organisation in some tenants, with the roles the organisation holds there, narrowed by its scopes. Its secret is never stored.',
})
export class ApiKey {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  @Field({ description: 'What the key is for, e.g. "KoboToolbox sync".' })
  name!: string;

  @Field({
    description: 'The public part of the key (dg_<prefix>_…), to recognise it in lists and logs.',
  })
  prefix!: string;

  organisationId!: string;
  tenantIds!: string[];

  @Field(() => [Scope], { description: 'What the key may do with its roles.' })
  scopes!: Scope[];

  @Field(() => Date, {
    nullable: true,
    description: 'When the key stops working; null if it does not expire.',
  })
  expiresAt!: Date | null;

  @Field({ description: 'When the key was created.' })
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When the key was last used, to within a minute; null if never.',
  })
  lastUsedAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When the key was revoked; null while it works.',
  })
  revokedAt!: Date | null;
}

export const ApiKeyConnection = Connection(ApiKey, 'ApiKey');

@ObjectType({ description: 'The result of createApiKey.' })
export class CreateApiKeyPayload {
  @Field(() => ApiKey, { description: 'The new key.' })
  apiKey!: ApiKey;

  @Field({
    description:
      'The whole key (dg_<prefix>_<secret>) to send as X-Api-Key. Shown this once: only a hash of it is stored.',
  })
  secret!: string;
}

@ObjectType({ description: 'The result of revokeApiKey.' })
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { description: 'The revoked key; it stops working on the next request.' })
  apiKey!: ApiKey;
}
