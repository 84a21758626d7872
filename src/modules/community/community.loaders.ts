import type DataLoader from 'dataloader';
import type { Page } from '../../common/connection';
import { byIdLoader, perParentLoader, type ParentKey } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { CommunitiesArgs } from './community.inputs';
import { communitiesByIds, communitiesOfProjects } from './community.service';
import type { Community } from './community.type';

export const communityById = (ctx: RequestContext): DataLoader<string, Community | null> =>
  ctx.loader('community.byId', () => byIdLoader((ids) => communitiesByIds(ctx, ids)));

export const communitiesOfProject = (
  ctx: RequestContext,
  args: CommunitiesArgs,
): DataLoader<ParentKey, Page<Community>, string> =>
  perParentLoader(ctx, 'project.communities', args, (projects) =>
    communitiesOfProjects(ctx, projects, args),
  );
