import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { IndicatorsArgs } from './indicator.inputs';
import { listIndicators } from './indicator.service';
import { Indicator, IndicatorConnection } from './indicator.type';

@Resolver(() => Indicator)
export class IndicatorResolver {
  @Query(() => IndicatorConnection, {
    description: 'Indicators: the global ones and your tenants’ own.',
  })
  async indicators(@Args() args: IndicatorsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(IndicatorConnection, await listIndicators(ctx, args));
  }

  @FieldResolver(() => Tenant, {
    nullable: true,
    description: 'The tenant that owns it; null for a global indicator.',
  })
  tenant(@Root() indicator: Indicator, @Ctx() ctx: RequestContext) {
    return indicator.tenantId ? tenantById(ctx).load(indicator.tenantId) : null;
  }
}
