import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context';
import { rowsByIds } from '../../common/project-rows';
import { byIdLoader } from '../../common/loader';
import { activityById } from '../activity/activity.loaders';
import { periodById } from '../approval/approval.loaders';
import { ReportingPeriod } from '../approval/approval.type';
import { Activity } from '../activity/activity.type';
import { communityById } from '../community/community.loaders';
import { Community } from '../community/community.type';
import { indicatorById } from '../indicator/indicator.loaders';
import { Indicator } from '../indicator/indicator.type';
import { MEASUREMENTS } from '../measurement/measurement.service';
import { Measurement } from '../measurement/measurement.type';
import { projectById } from '../project/project.loaders';
import { Project } from '../project/project.type';
import { ChangesArgs } from './changes.inputs';
import { ChangeOperation, listChanges } from './changes.service';
import { Change, ChangePage } from './changes.type';

const measurementById = (ctx: RequestContext) =>
  ctx.loader('changes.measurementById', () =>
    byIdLoader((ids) => rowsByIds(ctx, MEASUREMENTS, ids)),
  );

/** The row of an upsert of `type`, read with the principal's own rights; null otherwise. */
function rowOf<T>(change: Change, type: string, load: () => Promise<T | null>) {
  return change.entityType === type && change.operation === ChangeOperation.UPSERT ? load() : null;
}

@Resolver(() => Change)
export class ChangesResolver {
  @Query(() => ChangePage, {
    nullable: true,
    description:
      'What changed in a tenant since a cursor, in commit order: rows created, updated and deleted (tombstones), including rows that came into or fell out of your view; null if you may read no rows.',
  })
  changes(@Args() args: ChangesArgs, @Ctx() ctx: RequestContext) {
    return listChanges(ctx, args);
  }

  @FieldResolver(() => Project, {
    nullable: true,
    description: 'The project, for an upsert of one.',
  })
  project(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'Project', () => projectById(ctx).load(change.entityId));
  }

  @FieldResolver(() => Community, {
    nullable: true,
    description: 'The community, for an upsert of one.',
  })
  community(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'Community', () => communityById(ctx).load(change.entityId));
  }

  @FieldResolver(() => Activity, {
    nullable: true,
    description: 'The activity, for an upsert of one (null if deleted since).',
  })
  activity(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'Activity', () => activityById(ctx).load(change.entityId));
  }

  @FieldResolver(() => Measurement, {
    nullable: true,
    description: 'The measurement, for an upsert of one (null if deleted since).',
  })
  measurement(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'Measurement', () => measurementById(ctx).load(change.entityId));
  }

  @FieldResolver(() => Indicator, {
    nullable: true,
    description: 'The indicator, for an upsert of one.',
  })
  indicator(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'Indicator', () => indicatorById(ctx).load(change.entityId));
  }

  @FieldResolver(() => ReportingPeriod, {
    nullable: true,
    description:
      'The reporting period as it is now, for an upsert of one (`action` names the transition, `version` the version it left).',
  })
  reportingPeriod(@Root() change: Change, @Ctx() ctx: RequestContext) {
    return rowOf(change, 'ReportingPeriod', () => periodById(ctx).load(change.entityId));
  }
}
