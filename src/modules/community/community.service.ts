import { Capability } from '../../auth/access';
import {
  fetchNestedPages,
  fetchPage,
  type NestedPageQuery,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { badUserInput, conflict } from '../../common/errors';
import { param, updatedSinceSql } from '../../common/sql';
import { adminTenantOf } from '../../common/write-scope';
import { notNull, trimmed } from '../../common/validation';
import {
  assignments,
  rowToWrite,
  versionedDelete,
  versionedUpdate,
} from '../../common/versioned-write';
import type { DeleteRowInput } from '../../common/write-inputs';
import { auditDiff, recordAudit } from '../audit/audit.service';
import type { RequestContext } from '../../context';
import {
  type CommunitiesArgs,
  CommunityOrderField,
  type CreateCommunityInput,
  type UpdateCommunityInput,
} from './community.inputs';
import type { Community } from './community.type';
import { COMMUNITY_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { textMatchesSql } from '../translation/translation.search';
import { sourceLanguageFor } from '../translation/translation.service';

export const COMMUNITY_COLUMNS = `c.tenant_id AS "tenantId", c.id, c.name, c.region, c.district,
  c.settlement, c.households, c.population, c.version,
  c.created_at AS "createdAt", c.updated_at AS "updatedAt", c.source_language AS "sourceLanguage"`;

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
  [CommunityOrderField.UPDATED_AT]: {
    column: 'c.updated_at',
    cast: 'timestamptz',
    value: (c: Community) => c.updatedAt,
  },
};

/** The filter's WHERE clauses, shared by the root list and the nested ones. */
function filterSql(ctx: RequestContext, args: CommunitiesArgs, params: unknown[]): string[] {
  const where = [ctx.access.communityVisibleSql('c.tenant_id', 'c.id', params)];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(ctx.access.tenantCodesSql('c.tenant_id', filter.tenantCodes, params));
  }
  if (filter.projectIds) {
    // Uncorrelated, its tenants named: Citus routes it (see Access.readableTenantSql).
    where.push(`(c.tenant_id, c.id) IN (SELECT fp.tenant_id, fp.community_id FROM project_communities fp
      WHERE ${ctx.access.readableTenantSql('fp.tenant_id', params)}
        AND fp.project_id = ANY (${param(params, filter.projectIds)}::uuid[]))`);
  }
  if (filter.region) where.push(`c.region = ${param(params, filter.region)}`);
  if (filter.district) where.push(`c.district = ${param(params, filter.district)}`);
  if (filter.settlement) where.push(`c.settlement = ${param(params, filter.settlement)}`);
  if (filter.search)
    where.push(
      textMatchesSql(COMMUNITY_TEXTS, 'c', TranslatedField.NAME, filter.search, params, ctx.access),
    );
  if (filter.updatedSince) where.push(updatedSinceSql('c', filter.updatedSince, params));
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
  return fetchPage<Community>(ctx, {
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
  return fetchNestedPages<Community>(ctx, communitiesOfProjectsQuery(ctx, args, []), projects);
}

/**
 * The nested query of a project's communities, its parameters pushed after `params` (those of
 * a projects page that fetches them in its own statement: see project.prefetch.ts).
 */
export function communitiesOfProjectsQuery(
  ctx: RequestContext,
  args: CommunitiesArgs,
  params: unknown[],
): NestedPageQuery<Community> {
  const where = filterSql(ctx, args, params);
  return {
    select: COMMUNITY_COLUMNS,
    from: 'project_communities pc JOIN communities c ON c.tenant_id = pc.tenant_id AND c.id = pc.community_id',
    tenantColumn: 'pc.tenant_id',
    parentWhere: 'pc.tenant_id = k.tenant_id AND pc.project_id = k.parent_id',
    where,
    params,
    idColumn: 'c.id',
    ...order(args),
    first: args.first,
    after: args.after,
  };
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

export async function createCommunity(
  ctx: RequestContext,
  input: CreateCommunityInput,
): Promise<Community> {
  const tenantId = adminTenantOf(ctx, input.tenantCode);
  const sourceLanguage = await sourceLanguageFor(ctx, tenantId, input.sourceLanguage);
  const [community] = await ctx.tx.query<Community>(
    `INSERT INTO communities AS c (tenant_id, name, region, district, settlement, households,
       population, created_by, updated_by, source_language)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
     RETURNING ${COMMUNITY_COLUMNS}`,
    [
      tenantId,
      trimmed(input.name),
      trimmed(input.region),
      trimmed(input.district),
      input.settlement,
      input.households ?? null,
      input.population ?? null,
      ctx.access.actor,
      sourceLanguage,
    ],
  );
  const projectIds = [...new Set(input.projectIds ?? [])];
  if (projectIds.length > 0) {
    // Only projects of the same tenant can be linked: the SELECT finds no other.
    const linked = await ctx.tx.query(
      // Aliased: Citus deparses an unqualified RETURNING column on a shard as
      // `project_communities.…`, which is no name there ("missing FROM-clause entry").
      `INSERT INTO project_communities AS pc (tenant_id, project_id, community_id)
       SELECT p.tenant_id, p.id, $2 FROM projects p WHERE p.tenant_id = $1 AND p.id = ANY ($3::uuid[])
       RETURNING pc.project_id`,
      [tenantId, community!.id, projectIds],
    );
    if (linked.length !== projectIds.length) {
      throw badUserInput('projectIds', 'Every project must exist in the same tenant');
    }
  }
  await recordAudit(ctx, {
    tenantId,
    action: 'CREATE',
    entityType: 'Community',
    entityId: community!.id,
    ...auditDiff(null, { ...community!, projectIds }),
  });
  return community!;
}

async function communityToWrite(
  ctx: RequestContext,
  id: string,
  expectedVersion: number,
): Promise<Community> {
  const params: unknown[] = [id];
  const writable = ctx.access.tenantScopeSql(Capability.TENANT_WRITE, 'c.tenant_id', params);
  const [row] = await ctx.tx.query<Community>(
    `SELECT ${COMMUNITY_COLUMNS} FROM communities c WHERE c.id = $1 AND ${writable}`,
    params,
  );
  return rowToWrite(
    row,
    'Community',
    expectedVersion,
    async () => (await communitiesByIds(ctx, [id])).length > 0,
  );
}

export async function updateCommunity(
  ctx: RequestContext,
  input: UpdateCommunityInput,
): Promise<Community> {
  const current = await communityToWrite(ctx, input.id, input.expectedVersion);
  const params: unknown[] = [];
  const set = assignments(
    {
      name: trimmed(notNull(input.name, 'name')),
      region: trimmed(notNull(input.region, 'region')),
      district: trimmed(notNull(input.district, 'district')),
      settlement: notNull(input.settlement, 'settlement'),
      households: input.households,
      population: input.population,
      source_language:
        input.sourceLanguage === undefined || input.sourceLanguage === null
          ? notNull(input.sourceLanguage, 'sourceLanguage')
          : await sourceLanguageFor(ctx, current.tenantId, input.sourceLanguage),
    },
    params,
  );
  const updated = await versionedUpdate<Community>(ctx, {
    table: 'communities c',
    alias: 'c',
    entity: 'Community',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: set.join(', '),
    params,
    returning: COMMUNITY_COLUMNS,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'UPDATE',
    entityType: 'Community',
    entityId: current.id,
    ...auditDiff(current, updated),
  });
  return updated;
}

/** Deletes a community no activity or measurement refers to; its project links go with it. */
export async function deleteCommunity(
  ctx: RequestContext,
  input: DeleteRowInput,
): Promise<Community> {
  const current = await communityToWrite(ctx, input.id, input.expectedVersion);
  const [refs] = await ctx.tx.query<{ n: number }>(
    `SELECT (SELECT count(*)::int FROM activities WHERE tenant_id = $1 AND community_id = $2)
       + (SELECT count(*)::int FROM measurements WHERE tenant_id = $1 AND community_id = $2) AS n`,
    [current.tenantId, current.id],
  );
  if (refs && refs.n > 0) {
    throw conflict(`${refs.n} activities or measurements still refer to the community`, {
      field: 'id',
    });
  }
  const deleted = await versionedDelete<Community>(ctx, {
    table: 'communities c',
    alias: 'c',
    entity: 'Community',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    returning: COMMUNITY_COLUMNS,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'DELETE',
    entityType: 'Community',
    entityId: current.id,
    ...auditDiff(current, null),
  });
  return deleted;
}
