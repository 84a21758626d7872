import { UUIDResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import { selectedFields, selectedNodeFields } from '../../common/selection';
import type { RequestContext } from '../../context';
import { communityById } from '../community/community.loaders';
import { Community } from '../community/community.type';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { projectById } from '../project/project.loaders';
import { Project } from '../project/project.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { DeleteRowInput, RestoreRowInput } from '../../common/write-inputs';
import { ActivitiesArgs, CreateActivityInput, UpdateActivityInput } from './activity.inputs';
import { activityWithParents } from './activity.prefetch';
import { ACTIVITIES, activityValues } from './activity.service';
import { createRow, deleteRow, restoreRow, updateRow } from '../../common/project-row-writes';
import { listRows } from '../../common/project-rows';
import { Activity, ActivityConnection } from './activity.type';

@Resolver(() => Activity)
export class ActivityResolver {
  // Nullable: denied to a caller who reads no rows (the analyst), it nulls only itself.
  @Query(() => ActivityConnection, {
    nullable: true,
    description:
      'Activities you may read, one page at a time; latest first by default; null if you may read no rows.',
  })
  async activities(
    @Args() args: ActivitiesArgs,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(
      ActivityConnection,
      await listRows(ctx, ACTIVITIES, args, selectedNodeFields(info)),
    );
  }

  @Query(() => Activity, {
    nullable: true,
    description: 'One activity by id; null if it does not exist or is hidden from you.',
  })
  activity(
    @Arg('id', () => UUIDResolver, { description: 'Its id.' }) id: string,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return activityWithParents(ctx, id, selectedFields(info));
  }

  @Mutation(() => Activity, {
    description: 'Records an activity (tenant admins, or editors of a partner of the project).',
  })
  createActivity(
    @Arg('input', { description: 'The new activity.' }) input: CreateActivityInput,
    @Ctx() ctx: RequestContext,
  ) {
    return createRow(ctx, ACTIVITIES, activityValues(input));
  }

  @Mutation(() => Activity, {
    description: 'Changes an activity; CONFLICT with currentVersion when expectedVersion is stale.',
  })
  updateActivity(
    @Arg('input', { description: 'Which activity, at which version, and what to change.' })
    input: UpdateActivityInput,
    @Ctx() ctx: RequestContext,
  ) {
    return updateRow(ctx, ACTIVITIES, input);
  }

  @Mutation(() => Activity, {
    description: 'Deletes an activity softly: hidden from reads, restorable by tenant admins.',
  })
  deleteActivity(
    @Arg('input', { description: 'Which activity, at which version.' }) input: DeleteRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return deleteRow(ctx, ACTIVITIES, input);
  }

  @Mutation(() => Activity, { description: 'Restores a deleted activity (tenant admins).' })
  restoreActivity(
    @Arg('input', { description: 'Which deleted activity, at which version.' })
    input: RestoreRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return restoreRow(ctx, ACTIVITIES, input);
  }

  @FieldResolver(() => Tenant, { description: 'The tenant (country) of the activity.' })
  tenant(@Root() activity: Activity, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(activity.tenantId);
  }

  @FieldResolver(() => Project, { description: 'The project the activity belongs to.' })
  project(@Root() activity: Activity, @Ctx() ctx: RequestContext) {
    return projectById(ctx).load(activity.projectId);
  }

  @FieldResolver(() => Community, {
    nullable: true,
    description: 'The community it took place in, if any.',
  })
  community(@Root() activity: Activity, @Ctx() ctx: RequestContext) {
    return activity.communityId ? communityById(ctx).load(activity.communityId) : null;
  }

  @FieldResolver(() => Organisation, {
    nullable: true,
    description: 'The organisation that facilitated it.',
  })
  facilitator(@Root() activity: Activity, @Ctx() ctx: RequestContext) {
    return activity.facilitatorOrganisationId
      ? organisationById(ctx).load(activity.facilitatorOrganisationId)
      : null;
  }

  @FieldResolver(() => Organisation, { description: 'The organisation that recorded it.' })
  recordedBy(@Root() activity: Activity, @Ctx() ctx: RequestContext) {
    return organisationById(ctx).load(activity.recordedByOrganisationId);
  }
}
