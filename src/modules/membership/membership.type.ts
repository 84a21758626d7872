import { Field, ID, ObjectType } from 'type-graphql';
import { Role } from '../../auth/principal';
import { Connection } from '../../common/connection';

/**
 * A membership as administrators manage it. (`Me.memberships` lists `Membership`: the roles
 * in force for one request, which for an API key are its organisation's, not rows of its own.)
 */
@ObjectType({
  description:
    'A role a user holds in one tenant on behalf of one organisation, as administrators manage it; revoked, never deleted. Granted by e-mail address, it is an invitation until a user with that address signs in.',
})
export class TenantMembership {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;
  /** Null while an invitation by e-mail address waits for its user to sign in. */
  userId!: string | null;
  organisationId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The e-mail address the membership was granted to as an invitation; null when granted by user id.',
  })
  invitedEmail!: string | null;

  @Field(() => Role, { description: 'The role held.' })
  role!: Role;

  @Field({ description: 'When the membership was granted.' })
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When it was revoked; null while it is in force.',
  })
  revokedAt!: Date | null;
}

export const TenantMembershipConnection = Connection(TenantMembership, 'TenantMembership');

@ObjectType({ description: 'The result of createMembership.' })
export class CreateMembershipPayload {
  @Field(() => TenantMembership, {
    description:
      'The new membership, in force from the next request (an invitation: from the first request of a user with that address).',
  })
  membership!: TenantMembership;
}

@ObjectType({ description: 'The result of revokeMembership.' })
export class RevokeMembershipPayload {
  @Field(() => TenantMembership, {
    description: 'The revoked membership; it stops working on the next request.',
  })
  membership!: TenantMembership;
}
