import { rowsByIds } from '../../common/project-rows';
import { prefixedColumns, prefixedRow, unprefixedRow } from '../../common/sql';
import type { RequestContext } from '../../context';
import { communityById } from '../community/community.loaders';
import { COMMUNITY_COLUMNS } from '../community/community.service';
import type { Community } from '../community/community.type';
import { projectById } from '../project/project.loaders';
import { PROJECT_COLUMNS } from '../project/project.service';
import type { Project } from '../project/project.type';
import { activityById } from './activity.loaders';
import { ACTIVITIES } from './activity.service';
import type { Activity } from './activity.type';

/**
 * One activity with the parents its query selects (`community`, `project`) in ONE statement
 * instead of three (issue 17: on this query each statement's fixed cost — protocol, wake-ups,
 * row-level security — was the whole cost). The parents come with the same visibility
 * conditions their own loaders use, each in its join, and are primed into those loaders, so
 * the field resolvers (and their shield rules) run as before and find them without SQL. A
 * parent hidden from the principal is primed as null, which is what its loader answers.
 */
export async function activityWithParents(
  ctx: RequestContext,
  id: string,
  fields: ReadonlySet<string>,
): Promise<Activity | null> {
  const withCommunity = fields.has('community');
  const withProject = fields.has('project');
  const loader = activityById(ctx);
  if (!withCommunity && !withProject) return loader.load(id);

  const a = ACTIVITIES.alias;
  const params: unknown[] = [[id]];
  const joins: string[] = [];
  const columns: string[] = [];
  if (withCommunity) {
    const visible = ctx.access.communityVisibleSql('c.tenant_id', 'c.id', params);
    joins.push(`LEFT JOIN communities c ON c.tenant_id = ${a}.tenant_id
      AND c.id = ${a}.community_id AND ${visible}`);
    columns.push(prefixedColumns(COMMUNITY_COLUMNS, 'community'));
  }
  if (withProject) {
    const visible = ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params);
    joins.push(`LEFT JOIN projects p ON p.tenant_id = ${a}.tenant_id
      AND p.id = ${a}.project_id AND ${visible}`);
    columns.push(prefixedColumns(PROJECT_COLUMNS, 'project'));
  }
  const rows = await rowsByIds(ctx, ACTIVITIES, [id], { columns, joins, params });
  const row = rows[0] as unknown as Record<string, unknown> | undefined;
  if (!row) {
    loader.prime(id, null);
    return null;
  }
  const activity = unprefixedRow<Activity>(row);
  if (withCommunity && activity.communityId) {
    communityById(ctx).prime(activity.communityId, prefixedRow<Community>(row, 'community'));
  }
  if (withProject) projectById(ctx).prime(activity.projectId, prefixedRow<Project>(row, 'project'));
  loader.prime(id, activity);
  return activity;
}
