import { UUIDResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { ActivitiesArgs } from '../activity/activity.inputs';
import { activitiesOfParent } from '../activity/activity.loaders';
import { selectedNodeFields } from '../../common/selection';
import { ActivityConnection } from '../activity/activity.type';
import { MeasurementsArgs } from '../measurement/measurement.inputs';
import { measurementsOfParent } from '../measurement/measurement.loaders';
import { MeasurementConnection } from '../measurement/measurement.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { DeleteRowInput } from '../../common/write-inputs';
import { CommunitiesArgs, CreateCommunityInput, UpdateCommunityInput } from './community.inputs';
import { communityById } from './community.loaders';
import {
  createCommunity,
  deleteCommunity,
  listCommunities,
  updateCommunity,
} from './community.service';
import { Community, CommunityConnection } from './community.type';
import { COMMUNITY_TEXTS } from '../translation/translation.kinds';
import { saveTranslations, writtenRow } from '../translation/translation.service';

@Resolver(() => Community)
export class CommunityResolver {
  // Nullable: denied to a caller who reads no rows (the analyst), it nulls only itself.
  @Query(() => CommunityConnection, {
    nullable: true,
    description: 'Communities you may read, one page at a time; null if you may read no rows.',
  })
  async communities(@Args() args: CommunitiesArgs, @Ctx() ctx: RequestContext) {
    return toConnection(CommunityConnection, await listCommunities(ctx, args));
  }

  @Query(() => Community, {
    nullable: true,
    description: 'One community by id; null if it does not exist or is hidden from you.',
  })
  community(
    @Arg('id', () => UUIDResolver, { description: 'Its id.' }) id: string,
    @Ctx() ctx: RequestContext,
  ) {
    return communityById(ctx).load(id);
  }

  @Mutation(() => Community, { description: 'Creates a community (tenant admins).' })
  async createCommunity(
    @Arg('input', { description: 'The new community.' }) input: CreateCommunityInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await createCommunity(ctx, input);
    await saveTranslations(
      ctx,
      COMMUNITY_TEXTS,
      writtenRow(COMMUNITY_TEXTS, written),
      input.translations,
    );
    return written;
  }

  @Mutation(() => Community, {
    description: 'Changes a community (tenant admins); CONFLICT when expectedVersion is stale.',
  })
  async updateCommunity(
    @Arg('input', { description: 'Which community, at which version, and what to change.' })
    input: UpdateCommunityInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await updateCommunity(ctx, input);
    await saveTranslations(
      ctx,
      COMMUNITY_TEXTS,
      writtenRow(COMMUNITY_TEXTS, written),
      input.translations,
      input.sourceLanguage !== undefined,
    );
    return written;
  }

  @Mutation(() => Community, {
    description:
      'Deletes a community no activity or measurement refers to (tenant admins); returns it as it was.',
  })
  deleteCommunity(
    @Arg('input', { description: 'Which community, at which version.' }) input: DeleteRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return deleteCommunity(ctx, input);
  }

  @FieldResolver(() => Tenant, { description: 'The tenant (country) the community is in.' })
  tenant(@Root() community: Community, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(community.tenantId);
  }

  @FieldResolver(() => ActivityConnection, {
    description: 'Activities held in the community; latest first by default.',
  })
  async activities(
    @Root() community: Community,
    @Args() args: ActivitiesArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(
      ActivityConnection,
      await activitiesOfParent(ctx, 'community', args, selectedNodeFields(info)).load(community),
    );
  }

  @FieldResolver(() => MeasurementConnection, {
    description: 'Measurements taken in the community.',
  })
  async measurements(
    @Root() community: Community,
    @Args() args: MeasurementsArgs,
    @Ctx() ctx: RequestContext,
  ) {
    return toConnection(
      MeasurementConnection,
      await measurementsOfParent(ctx, 'community', args).load(community),
    );
  }
}
