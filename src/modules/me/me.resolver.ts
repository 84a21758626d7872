import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Role, Scope } from '../../auth/principal';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { Me, Membership } from './me.type';

/** What each role allows, as scopes (a user's scopes are those of its roles). */
const ROLE_SCOPES: Record<Role, Scope[]> = {
  [Role.PLATFORM_ADMIN]: [Scope.READ, Scope.WRITE, Scope.AGGREGATE, Scope.ADMIN],
  [Role.TENANT_ADMIN]: [Scope.READ, Scope.WRITE, Scope.AGGREGATE, Scope.ADMIN],
  [Role.PARTNER_EDITOR]: [Scope.READ, Scope.WRITE, Scope.AGGREGATE],
  [Role.PARTNER_VIEWER]: [Scope.READ, Scope.AGGREGATE],
  [Role.AGGREGATE_ANALYST]: [Scope.AGGREGATE],
};
const SCOPE_ORDER = [Scope.READ, Scope.WRITE, Scope.AGGREGATE, Scope.ADMIN];

@Resolver(() => Me)
export class MeResolver {
  @Query(() => Me, {
    description: 'Who you are, your organisation, your roles and the scopes in force.',
  })
  me(@Ctx() ctx: RequestContext): Me {
    const principal = ctx.principal!;
    const roleScopes = new Set(principal.grants.flatMap((grant) => ROLE_SCOPES[grant.role]));
    const scopes = principal.scopes
      ? principal.scopes.filter((s) => roleScopes.has(s))
      : [...roleScopes];
    return {
      kind: principal.kind,
      id: principal.id,
      subject: principal.subject,
      platformAdmin: principal.platformAdmin,
      organisationId: principal.organisationId,
      memberships: principal.grants
        .filter((grant) => grant.role !== Role.PLATFORM_ADMIN)
        .map((grant) => ({
          tenantId: grant.tenantId,
          organisationId: grant.organisationId,
          role: grant.role,
        })),
      scopes: SCOPE_ORDER.filter((scope) => scopes.includes(scope)),
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
