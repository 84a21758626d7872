import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { communityById } from '../community/community.loaders';
import { Community } from '../community/community.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { OutcomeSummariesArgs } from './outcome.inputs';
import { outcomeSummaries } from './outcome.service';
import { OutcomeSummary } from './outcome.type';

@Resolver(() => OutcomeSummary)
export class OutcomeResolver {
  @Query(() => [OutcomeSummary], {
    description:
      'What changed, where and for whom: one summary per indicator and group. Readers of rows summarise what they may read; aggregate analysts only what a sharing agreement in force shares with their organisation, with small cells suppressed, the rest perturbed and every read audited.',
  })
  outcomeSummaries(
    @Args() args: OutcomeSummariesArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<OutcomeSummary[]> {
    return outcomeSummaries(ctx, args);
  }

  @FieldResolver(() => Tenant, { nullable: true, description: 'Tenant, when grouped by TENANT.' })
  tenant(@Root() summary: OutcomeSummary, @Ctx() ctx: RequestContext) {
    return summary.tenantId ? tenantById(ctx).load(summary.tenantId) : null;
  }

  @FieldResolver(() => Community, {
    nullable: true,
    description: 'Community, when grouped by COMMUNITY (readers of rows only).',
  })
  community(@Root() summary: OutcomeSummary, @Ctx() ctx: RequestContext) {
    return summary.communityId ? communityById(ctx).load(summary.communityId) : null;
  }
}
