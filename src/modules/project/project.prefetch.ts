import { type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { fetchPageWithNestedPages, type Page, pageSize } from '../../common/connection';
import { argumentsKey } from '../../common/loader';
import { selectedNodeFieldNodes } from '../../common/selection';
import type { RequestContext } from '../../context';
import { CommunitiesArgs } from '../community/community.inputs';
import { communitiesOfProject } from '../community/community.loaders';
import { communitiesOfProjectsQuery } from '../community/community.service';
import type { ProjectsArgs } from './project.inputs';
import { listProjects, projectPageQuery } from './project.service';
import type { Project } from './project.type';

/**
 * A page of projects with, when the query selects them on its nodes, each project's page of
 * communities in the SAME statement (issue 17: the project page took one statement per level;
 * this makes it one fewer). The communities come with the same conditions as their own loader
 * (`communitiesOfProjectsQuery`: visibility through the Access API, the same order and page
 * size) and are primed into it, so `Project.communities` and its shield rule run as before and
 * find them without SQL.
 *
 * Only when it is plainly the same work: one tenant that the page can reach
 * (`Access.singleReadableTenant`, named as a value so Citus routes the statement to one shard
 * group), one set of arguments for `communities` in the whole query, no `filter` on it (its
 * class-validator checks run when the field resolves, not here) and no `after` or bad `first`
 * (their errors belong to the nested field). Anything else fetches the projects alone, and the
 * communities' loader does the rest as before.
 */
export async function projectPage(
  ctx: RequestContext,
  args: ProjectsArgs,
  info: GraphQLResolveInfo,
): Promise<Page<Project>> {
  const tenantId = ctx.access.singleReadableTenant(args.filter?.tenantCodes);
  const communitiesArgs = tenantId ? nestedCommunitiesArgs(info) : null;
  if (!tenantId || !communitiesArgs) return listProjects(ctx, args);
  const { page, nestedPages } = await fetchPageWithNestedPages(
    ctx,
    projectPageQuery(ctx, args),
    tenantId,
    (params) => communitiesOfProjectsQuery(ctx, communitiesArgs, params),
  );
  const loader = communitiesOfProject(ctx, communitiesArgs);
  page.edges.forEach((edge, index) => loader.prime(edge.node, nestedPages[index]!));
  return page;
}

/** The arguments of the one `communities` the nodes select, if it can be fetched with them. */
function nestedCommunitiesArgs(info: GraphQLResolveInfo): CommunitiesArgs | null {
  const nodes = selectedNodeFieldNodes(info, 'communities');
  if (nodes.length === 0) return null;
  const field = (info.schema.getType('Project') as GraphQLObjectType).getFields()['communities']!;
  const values = nodes.map((node) => getArgumentValues(field, node, info.variableValues));
  const key = argumentsKey(values[0]);
  if (values.some((value) => argumentsKey(value) !== key)) return null;
  const args = Object.assign(new CommunitiesArgs(), values[0]);
  if (args.filter != null || args.after != null) return null;
  try {
    pageSize(args.first);
  } catch {
    return null;
  }
  return args;
}
