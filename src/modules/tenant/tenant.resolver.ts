import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs, toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { SetTenantLanguagesInput } from './tenant.inputs';
import { listTenants, setTenantLanguages, tenantByCode } from './tenant.service';
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

  @Mutation(() => Tenant, {
    description:
      "Chooses the languages a tenant offers its names in (the tenant's admins); versioned and audited.",
  })
  setTenantLanguages(
    @Arg('input', { description: 'The tenant, its languages and the version you read.' })
    input: SetTenantLanguagesInput,
    @Ctx() ctx: RequestContext,
  ) {
    return setTenantLanguages(ctx, input);
  }
}
