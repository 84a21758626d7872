import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { Me, Membership } from './me.type';

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me, {
    description: 'Who you are, your organisation, your roles and the scopes in force.',
  })
  me(@Ctx() ctx: RequestContext): Me {
    const principal = ctx.principal!;
    return {
      kind: principal.kind,
      id: principal.id,
      subject: principal.subject,
      platformAdmin: principal.platformAdmin,
      organisationId: principal.organisationId,
      memberships: ctx.access.memberships.map((grant) => ({
        tenantId: grant.tenantId,
        organisationId: grant.organisationId,
        role: grant.role,
      })),
      scopes: ctx.access.scopesInForce,
    };
  }

  @FieldResolver(() => Organisation, {
    nullable: true,
    description: 'The organisation an API key acts for; null for users.',
  })
  organisation(@Root() me: Me, @Ctx() ctx: RequestContext) {
    return me.organisationId ? organisationById(ctx).load(me.organisationId) : null;
  }
}

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => Tenant, { description: 'The tenant the role is held in.' })
  tenant(@Root() membership: Membership, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(membership.tenantId);
  }

  @FieldResolver(() => Organisation, { description: 'The organisation the role is held for.' })
  organisation(@Root() membership: Membership, @Ctx() ctx: RequestContext) {
    return organisationById(ctx).load(membership.organisationId);
  }
}
