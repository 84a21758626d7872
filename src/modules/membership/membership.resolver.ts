import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { userById } from '../user/user.loaders';
import { User } from '../user/user.type';
import { CreateMembershipInput, MembershipsArgs, RevokeMembershipInput } from './membership.inputs';
import { createMembership, listMemberships, revokeMembership } from './membership.service';
import {
  CreateMembershipPayload,
  RevokeMembershipPayload,
  TenantMembership,
  TenantMembershipConnection,
} from './membership.type';

@Resolver(() => TenantMembership)
export class TenantMembershipResolver {
  // Nullable: denied to a caller who administers nothing, it nulls only itself.
  @Query(() => TenantMembershipConnection, {
    nullable: true,
    description:
      'Memberships in the tenants you administer, oldest first; those in force unless asked otherwise. Null if you administer no tenant.',
  })
  async memberships(@Args() args: MembershipsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(TenantMembershipConnection, await listMemberships(ctx, args));
  }

  @Mutation(() => CreateMembershipPayload, {
    description: 'Gives a user a role in a tenant you administer, on behalf of an organisation.',
  })
  async createMembership(
    @Arg('input', () => CreateMembershipInput, {
      description: 'Who gets which role, in which tenant, for which organisation.',
    })
    input: CreateMembershipInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateMembershipPayload> {
    return { membership: await createMembership(ctx, input) };
  }

  @Mutation(() => RevokeMembershipPayload, {
    description:
      'Revokes a membership in a tenant you administer; it stops working on the next request.',
  })
  async revokeMembership(
    @Arg('input', () => RevokeMembershipInput, { description: 'Which membership to revoke.' })
    input: RevokeMembershipInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevokeMembershipPayload> {
    return { membership: await revokeMembership(ctx, input) };
  }

  @FieldResolver(() => User, {
    nullable: true,
    description:
      'The user holding the role; null for an invitation no user with its address has taken up yet.',
  })
  user(@Root() membership: TenantMembership, @Ctx() ctx: RequestContext) {
    return membership.userId ? userById(ctx).load(membership.userId) : null;
  }

  @FieldResolver(() => Tenant, { description: 'The tenant the role is held in.' })
  tenant(@Root() membership: TenantMembership, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(membership.tenantId);
  }

  @FieldResolver(() => Organisation, { description: 'The organisation the user acts for.' })
  organisation(@Root() membership: TenantMembership, @Ctx() ctx: RequestContext) {
    return organisationById(ctx).load(membership.organisationId);
  }
}
