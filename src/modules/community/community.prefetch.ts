import type DataLoader from 'dataloader';
import type { GraphQLObjectType, GraphQLResolveInfo } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { fetchNestedPagesWithNestedPages, type Page, pageSize } from '../../common/connection';
import { argumentsKey, type ParentKey, perParentLoader } from '../../common/loader';
import { rowsOfQuery } from '../../common/project-rows';
import { selectedNodeFieldNodes, selectedNodeFields } from '../../common/selection';
import type { RequestContext } from '../../context';
import { ActivitiesArgs } from '../activity/activity.inputs';
import { activitiesOfParent } from '../activity/activity.loaders';
import { ACTIVITIES } from '../activity/activity.service';
import type { CommunitiesArgs } from './community.inputs';
import { communitiesOfProject } from './community.loaders';
import { communitiesOfProjectsQuery } from './community.service';
import type { Community } from './community.type';

/**
 * The loader of `Project.communities`: pages of communities per project and, when the query
 * selects `activities` on them, each community's page of activities in the SAME statement
 * (issue 17: the project page took one statement per level; this makes it one fewer). The
 * activities come with the conditions of their own loader (`rowsOfQuery`: visibility through
 * the Access API, the columns the query selects, the same order and page size) and are primed
 * into it, so `Community.activities` and its shield rule run as before and find them without
 * SQL. An error of the statement is the communities field's, as it was.
 *
 * Only when it is plainly the same work: one set of arguments for `activities` under these
 * communities, no `filter` on it (its class-validator checks run when the field resolves, not
 * here) and no `after` or bad `first` (their errors belong to the activities field). Anything
 * else is the communities' own loader, and the activities' loader does the rest as before.
 */
export function communitiesWithActivities(
  ctx: RequestContext,
  args: CommunitiesArgs,
  info: GraphQLResolveInfo,
): DataLoader<ParentKey, Page<Community>, string> {
  const nested = nestedActivities(info);
  if (!nested) return communitiesOfProject(ctx, args);
  const { activitiesArgs, fields } = nested;
  return perParentLoader(
    ctx,
    `project.communities+activities[${[...fields].join()}]:${argumentsKey(activitiesArgs)}`,
    args,
    async (projects) => {
      const results = await fetchNestedPagesWithNestedPages(
        ctx,
        communitiesOfProjectsQuery(ctx, args, []),
        projects,
        (params) => rowsOfQuery(ctx, ACTIVITIES, 'community', activitiesArgs, fields, params),
      );
      const activities = activitiesOfParent(ctx, 'community', activitiesArgs, fields);
      for (const { page, nestedPages } of results) {
        page.edges.forEach((edge, i) => activities.prime(edge.node, nestedPages[i]!));
      }
      return results.map((result) => result.page);
    },
  );
}

/** Per request and selection: the communities field resolves once per project. */
const plans = new WeakMap<
  GraphQLResolveInfo['fieldNodes'],
  WeakMap<object, ReturnType<typeof planOf>>
>();

/** The arguments and selected fields of the one `activities` the communities' nodes select. */
function nestedActivities(info: GraphQLResolveInfo) {
  let byVariables = plans.get(info.fieldNodes);
  if (!byVariables) {
    byVariables = new WeakMap();
    plans.set(info.fieldNodes, byVariables);
  }
  if (!byVariables.has(info.variableValues)) byVariables.set(info.variableValues, planOf(info));
  return byVariables.get(info.variableValues)!;
}

function planOf(
  info: GraphQLResolveInfo,
): { activitiesArgs: ActivitiesArgs; fields: ReadonlySet<string> } | null {
  const nodes = selectedNodeFieldNodes(info, 'activities');
  if (nodes.length === 0) return null;
  const field = (info.schema.getType('Community') as GraphQLObjectType).getFields()['activities']!;
  const values = nodes.map((node) => getArgumentValues(field, node, info.variableValues));
  const key = argumentsKey(values[0]);
  if (values.some((value) => argumentsKey(value) !== key)) return null;
  const activitiesArgs = Object.assign(new ActivitiesArgs(), values[0]);
  if (activitiesArgs.filter != null || activitiesArgs.after != null) return null;
  try {
    pageSize(activitiesArgs.first);
  } catch {
    return null;
  }
  // What Community.activities will ask its loader for: the fields of these nodes.
  const fields = selectedNodeFields({ ...info, fieldNodes: nodes });
  return { activitiesArgs, fields };
}
