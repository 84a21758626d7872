import {
  fetchNestedPages,
  fetchPage,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { containsPattern, param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { type CommunitiesArgs, CommunityOrderField } from './community.inputs';
import type { Community } from './community.type';

const COMMUNITY_COLUMNS = `c.tenant_id AS "tenantId", c.id, c.name, c.region, c.district,
  c.settlement, c.households, c.population, c.version,
  c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const SORTS = {
  [CommunityOrderField.NAME]: { column: 'c.name', cast: 'text', value: (c: Community) => c.name },
  [CommunityOrderField.REGION]: {
    column: 'c.region',
    cast: 'text',
    value: (c: Community) => c.region,
  },
  [CommunityOrderField.CREATED_AT]: {
    column: 'c.created_at',
    cast: 'timestamptz',
    value: (c: Community) => c.createdAt,
  },
};

/** The filter's WHERE clauses, shared by the root list and the nested ones. */
function filterSql(ctx: RequestContext, args: CommunitiesArgs, params: unknown[]): string[] {
  const where = [ctx.access.communityVisibleSql('c.tenant_id', 'c.id', params)];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(
      `c.tenant_id = ANY (${param(params, ctx.access.tenantIdsForCodes(filter.tenantCodes))}::uuid[])`,
    );
  }
  if (filter.projectIds) {
    where.push(`EXISTS (SELECT 1 FROM project_communities fp WHERE fp.tenant_id = c.tenant_id
      AND fp.community_id = c.id AND fp.project_id = ANY (${param(params, filter.projectIds)}::uuid[]))`);
  }
  if (filter.region) where.push(`c.region = ${param(params, filter.region)}`);
  if (filter.district) where.push(`c.district = ${param(params, filter.district)}`);
  if (filter.settlement) where.push(`c.settlement = ${param(params, filter.settlement)}`);
  if (filter.search)
    where.push(`c.name ILIKE ${param(params, containsPattern(filter.search.trim()))}`);
  return where;
}

function order(args: CommunitiesArgs) {
  const o = args.orderBy ?? { field: CommunityOrderField.NAME, direction: OrderDirection.ASC };
  return { sort: SORTS[o.field], direction: o.direction };
}

export async function listCommunities(
  ctx: RequestContext,
  args: CommunitiesArgs,
): Promise<Page<Community>> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchPage<Community>((sql, p) => ctx.tx.query(sql, p), {
    select: COMMUNITY_COLUMNS,
    from: 'communities c',
    where,
    params,
    idColumn: 'c.id',
    ...order(args),
    first: args.first,
    after: args.after,
  });
}

/** One page of communities per project, for many projects in one statement. */
export async function communitiesOfProjects(
  ctx: RequestContext,
  projects: readonly ParentKey[],
  args: CommunitiesArgs,
): Promise<Page<Community>[]> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchNestedPages<Community>(
    (sql, p) => ctx.tx.query(sql, p),
    {
      select: COMMUNITY_COLUMNS,
      from: 'project_communities pc JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id',
      parentWhere: 'pc.tenant_id = k.tenant_id AND pc.project_id = k.parent_id',
      where,
      params,
      idColumn: 'c.id',
      ...order(args),
      first: args.first,
      after: args.after,
    },
    projects,
  );
}

export async function communitiesByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Community[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Community>(
    `SELECT ${COMMUNITY_COLUMNS} FROM communities c
     WHERE c.id = ANY ($1::uuid[]) AND ${ctx.access.communityVisibleSql('c.tenant_id', 'c.id', params)}`,
    params,
  );
}
