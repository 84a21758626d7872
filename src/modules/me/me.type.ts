import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { PrincipalKind, Role, Scope } from '../../auth/principal';

registerEnumType(Role, {
  name: 'Role',
  description: 'What a member of an organisation may do in a tenant (see docs/design.md).',
  valuesConfig: {
    PLATFORM_ADMIN: { description: 'Runs the platform: everything in every tenant.' },
    TENANT_ADMIN: {
      description: 'Everything in one tenant: its data, memberships, keys and audit log.',
    },
    PARTNER_EDITOR: { description: 'Reads and records the rows of its organisation’s projects.' },
    PARTNER_VIEWER: { description: 'Reads the rows of its organisation’s projects.' },
    AGGREGATE_ANALYST: { description: 'Reads aggregates only, under a sharing agreement.' },
  },
});
registerEnumType(Scope, {
  name: 'Scope',
  description:
    'A capability: read rows, write rows, read aggregates, administer, publish to IATI, approve periods.',
  valuesConfig: {
    READ: { description: 'Read programme rows.' },
    WRITE: { description: 'Write programme rows.' },
    AGGREGATE: { description: 'Read aggregates (outcome summaries).' },
    ADMIN: {
      description: 'Administer memberships, API keys, sharing agreements and read the audit log.',
    },
    IATI: {
      description:
        'Publish the IATI activity file of tenants where the organisation is an admin (and nothing else).',
    },
    APPROVE: {
      description:
        'Approve, return and unapprove reporting periods (admin roles only, and with WRITE: approving changes the rows’ state).',
    },
  },
});
registerEnumType(PrincipalKind, {
  name: 'PrincipalKind',
  description: 'A signed-in user or an API key.',
  valuesConfig: {
    USER: { description: 'A signed-in user.' },
    API_KEY: { description: 'An API key.' },
  },
});

@ObjectType({ description: 'A role held in one tenant for one organisation.' })
export class Membership {
  tenantId!: string;
  organisationId!: string;

  @Field(() => Role, { description: 'The role.' })
  role!: Role;
}

@ObjectType({ description: 'The caller, as this request authenticated it.' })
export class Me {
  @Field(() => PrincipalKind, { description: 'A user (bearer token) or an API key.' })
  kind!: PrincipalKind;

  @Field(() => ID, { description: "The user's or the key's id." })
  id!: string;

  @Field({ description: "The token's subject, or the key's prefix." })
  subject!: string;

  @Field({ description: 'Whether the caller administers every tenant.' })
  platformAdmin!: boolean;

  organisationId!: string | null;

  @Field(() => [Membership], {
    description: 'The roles in force for this request, per tenant and organisation.',
  })
  memberships!: Membership[];

  @Field(() => [Scope], {
    description: 'The capabilities in force: a key’s scopes, or what a user’s roles allow.',
  })
  scopes!: Scope[];
}
