import {
  fetchNestedPages,
  fetchPage,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { containsPattern, param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { type ActivitiesArgs, ActivityOrderField } from './activity.inputs';
import type { Activity } from './activity.type';

const ACTIVITY_COLUMNS = `a.tenant_id AS "tenantId", a.id, a.project_id AS "projectId",
  a.community_id AS "communityId", a.type, a.title, a.start_date AS "startDate",
  a.end_date AS "endDate", a.facilitator_organisation_id AS "facilitatorOrganisationId",
  a.recorded_by_organisation_id AS "recordedByOrganisationId",
  a.participants_female AS "participantsFemale", a.participants_male AS "participantsMale",
  a.participants_other AS "participantsOther", a.age_band AS "ageBand",
  a.external_id AS "externalId", a.version, a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

const SORTS = {
  [ActivityOrderField.START_DATE]: {
    column: 'a.start_date',
    cast: 'date',
    value: (a: Activity) => a.startDate,
  },
  [ActivityOrderField.TITLE]: { column: 'a.title', cast: 'text', value: (a: Activity) => a.title },
  [ActivityOrderField.CREATED_AT]: {
    column: 'a.created_at',
    cast: 'timestamptz',
    value: (a: Activity) => a.createdAt,
  },
};

function filterSql(ctx: RequestContext, args: ActivitiesArgs, params: unknown[]): string[] {
  const where = [
    'a.deleted_at IS NULL',
    ctx.access.projectVisibleSql('a.tenant_id', 'a.project_id', params),
  ];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(
      `a.tenant_id = ANY (${param(params, ctx.access.tenantIdsForCodes(filter.tenantCodes))}::uuid[])`,
    );
  }
  if (filter.projectIds)
    where.push(`a.project_id = ANY (${param(params, filter.projectIds)}::uuid[])`);
  if (filter.communityIds)
    where.push(`a.community_id = ANY (${param(params, filter.communityIds)}::uuid[])`);
  if (filter.types) where.push(`a.type = ANY (${param(params, filter.types)}::text[])`);
  if (filter.from) where.push(`a.start_date >= ${param(params, filter.from)}::date`);
  if (filter.to) where.push(`a.start_date <= ${param(params, filter.to)}::date`);
  if (filter.search)
    where.push(`a.title ILIKE ${param(params, containsPattern(filter.search.trim()))}`);
  return where;
}

function order(args: ActivitiesArgs) {
  const o = args.orderBy ?? {
    field: ActivityOrderField.START_DATE,
    direction: OrderDirection.DESC,
  };
  return { sort: SORTS[o.field], direction: o.direction };
}

export async function listActivities(
  ctx: RequestContext,
  args: ActivitiesArgs,
): Promise<Page<Activity>> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchPage<Activity>((sql, p) => ctx.tx.query(sql, p), {
    select: ACTIVITY_COLUMNS,
    from: 'activities a',
    where,
    params,
    idColumn: 'a.id',
    ...order(args),
    first: args.first,
    after: args.after,
  });
}

/** One page of activities per parent (a project or a community), in one statement. */
export async function activitiesOf(
  ctx: RequestContext,
  parent: 'project' | 'community',
  parents: readonly ParentKey[],
  args: ActivitiesArgs,
): Promise<Page<Activity>[]> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchNestedPages<Activity>(
    (sql, p) => ctx.tx.query(sql, p),
    {
      select: ACTIVITY_COLUMNS,
      from: 'activities a',
      parentWhere: `a.tenant_id = k.tenant_id AND a.${parent}_id = k.parent_id`,
      where,
      params,
      idColumn: 'a.id',
      ...order(args),
      first: args.first,
      after: args.after,
    },
    parents,
  );
}

export async function activitiesByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Activity[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Activity>(
    `SELECT ${ACTIVITY_COLUMNS} FROM activities a
     WHERE a.id = ANY ($1::uuid[]) AND a.deleted_at IS NULL
       AND ${ctx.access.projectVisibleSql('a.tenant_id', 'a.project_id', params)}`,
    params,
  );
}
