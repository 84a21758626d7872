import { UUIDResolver } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import { selectedFields, selectedNodeFields } from '../../common/selection';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { ActivitiesArgs, CreateActivityInput, UpdateActivityInput } from './activity.inputs';
import { activityWithParents } from './activity.prefetch';
import { ACTIVITIES, activityValues } from './activity.service';
import { createRow } from '../../common/project-row-writes';
import { ProjectRowResolver } from '../../common/project-row.resolver';
import { listRows } from '../../common/project-rows';
import { Activity, ActivityConnection } from './activity.type';
import { ACTIVITY_TEXTS } from '../translation/translation.kinds';
import { saveTranslations, writtenRow } from '../translation/translation.service';

@Resolver(() => Activity)
export class ActivityResolver extends ProjectRowResolver({
  type: Activity,
  name: 'Activity',
  noun: 'activity',
  kind: ACTIVITIES,
  updateInput: UpdateActivityInput,
  describe: {
    project: 'The project the activity belongs to.',
    community: 'The community it took place in, if any.',
  },
  afterUpdate: (ctx, input, row) =>
    saveTranslations(
      ctx,
      ACTIVITY_TEXTS,
      writtenRow(ACTIVITY_TEXTS, row),
      input.translations,
      input.sourceLanguage !== undefined,
    ),
}) {
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
  async createActivity(
    @Arg('input', { description: 'The new activity.' }) input: CreateActivityInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await createRow(ctx, ACTIVITIES, activityValues(input), input);
    await saveTranslations(
      ctx,
      ACTIVITY_TEXTS,
      writtenRow(ACTIVITY_TEXTS, written),
      input.translations,
    );
    return written;
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
