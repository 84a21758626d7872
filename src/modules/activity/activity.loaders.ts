import type DataLoader from 'dataloader';
import type { Page } from '../../common/connection';
import { byIdLoader, perParentLoader, type ParentKey } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { ActivitiesArgs } from './activity.inputs';
import { activitiesByIds, activitiesOf } from './activity.service';
import type { Activity } from './activity.type';

export const activityById = (ctx: RequestContext): DataLoader<string, Activity | null> =>
  ctx.loader('activity.byId', () => byIdLoader((ids) => activitiesByIds(ctx, ids)));

export const activitiesOfParent = (
  ctx: RequestContext,
  parent: 'project' | 'community',
  args: ActivitiesArgs,
): DataLoader<ParentKey, Page<Activity>, string> =>
  perParentLoader(ctx, `${parent}.activities`, args, (parents) =>
    activitiesOf(ctx, parent, parents, args),
  );
