import type DataLoader from 'dataloader';
import type { Page } from '../../common/connection';
import { byIdLoader, perParentLoader, type ParentKey } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { ActivitiesArgs } from './activity.inputs';
import { rowsByIds, rowsOf } from '../../common/project-rows';
import { ACTIVITIES } from './activity.service';
import type { Activity } from './activity.type';

export const activityById = (ctx: RequestContext): DataLoader<string, Activity | null> =>
  ctx.loader('activity.byId', () => byIdLoader((ids) => rowsByIds(ctx, ACTIVITIES, ids)));

/** Pages of activities for many parents, loading the columns of `fields` (see the service). */
export const activitiesOfParent = (
  ctx: RequestContext,
  parent: 'project' | 'community',
  args: ActivitiesArgs,
  fields: ReadonlySet<string>,
): DataLoader<ParentKey, Page<Activity>, string> =>
  perParentLoader(ctx, `${parent}.activities[${[...fields].join()}]`, args, (parents) =>
    rowsOf(ctx, ACTIVITIES, parent, parents, args, fields),
  );
