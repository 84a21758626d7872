import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { PageArgs, toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { listTenants, tenantByCode } from './tenant.service';
import { Tenant, TenantConnection } from './tenant.type';

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => TenantConnection, { description: 'The tenants (countries) you hold a role in.' })
  async tenants(@Args() page: PageArgs, @Ctx() ctx: RequestContext) {
    return toConnection(TenantConnection, await listTenants(ctx, page));
  }

  @Query(() => Tenant, {
    nullable: true,
    description: 'One tenant by its country code, if you hold a role in it.',
  })
  tenant(
    @Arg('code', { description: 'ISO 3166-1 alpha-2 code, e.g. TJ.' }) code: string,
    @Ctx() ctx: RequestContext,
  ) {
    return tenantByCode(ctx, code);
  }
}
