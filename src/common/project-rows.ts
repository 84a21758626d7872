import type { RequestContext } from '../context';
import {
  fetchNestedPages,
  fetchPage,
  type NestedPageQuery,
  type OrderDirection,
  type Page,
  type ParentKey,
} from './connection';
import type {
  AnyKind,
  ProjectRow,
  ProjectRowArgs,
  ProjectRowFilter,
  RowSort,
} from './project-row-kind';
import { param, updatedSinceSql } from './sql';

/* The reads of a project's rows, for any kind (see project-row-kind.ts). */

/**
 * The conditions every list of a project's rows starts with: not deleted, in a project the
 * principal may read, and the common filters; then the kind's own.
 */
export function listConditions<T extends ProjectRow, F extends ProjectRowFilter>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  filter: F,
  params: unknown[],
): string[] {
  const a = kind.alias;
  const where = [
    `${a}.deleted_at IS NULL`,
    ctx.access.projectVisibleSql(`${a}.tenant_id`, `${a}.project_id`, params),
  ];
  if (filter.tenantCodes) {
    where.push(ctx.access.tenantCodesSql(`${a}.tenant_id`, filter.tenantCodes, params));
  }
  if (filter.projectIds) {
    where.push(`${a}.project_id = ANY (${param(params, filter.projectIds)}::uuid[])`);
  }
  if (filter.communityIds) {
    where.push(`${a}.community_id = ANY (${param(params, filter.communityIds)}::uuid[])`);
  }
  if (filter.updatedSince) where.push(updatedSinceSql(a, filter.updatedSince, params));
  if (filter.externalIds) {
    // Stored trimmed (writes trim them), so looked up trimmed.
    const ids = filter.externalIds.map((id) => id.trim());
    where.push(`${a}.external_id = ANY (${param(params, ids)}::text[])`);
  }
  return [...where, ...kind.filters(filter, params, ctx.access)];
}

/** The list's query: conditions, sort and select list. */
function listQuery<T extends ProjectRow, O extends string>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  args: ProjectRowArgs<ProjectRowFilter, O>,
  fields: ReadonlySet<string> | undefined,
  params: unknown[] = [],
) {
  const where = listConditions(ctx, kind, args.filter ?? {}, params);
  const order: { field: string; direction: OrderDirection } = args.orderBy ?? kind.defaultOrder;
  const sort = (kind.sorts as Record<string, RowSort<T>>)[order.field]!;
  return {
    select: kind.listColumns ? kind.listColumns(fields, sort.field) : kind.columns,
    from: `${kind.table} ${kind.alias}`,
    where,
    params,
    idColumn: `${kind.alias}.id`,
    sort,
    direction: order.direction,
    first: args.first,
    after: args.after,
  };
}

/** A page of a kind's rows, loading the columns of `fields` only when given. */
export function listRows<T extends ProjectRow, O extends string>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  args: ProjectRowArgs<ProjectRowFilter, O>,
  fields?: ReadonlySet<string>,
): Promise<Page<T>> {
  return fetchPage<T>(ctx, listQuery(ctx, kind, args, fields));
}

/** One page of a kind's rows per parent (a project or a community), in one statement. */
export function rowsOf<T extends ProjectRow, O extends string>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  parent: 'project' | 'community',
  parents: readonly ParentKey[],
  args: ProjectRowArgs<ProjectRowFilter, O>,
  fields?: ReadonlySet<string>,
): Promise<Page<T>[]> {
  return fetchNestedPages<T>(ctx, rowsOfQuery(ctx, kind, parent, args, fields), parents);
}

/**
 * The nested query of a kind's rows per parent, its parameters pushed after `params` (those
 * of an outer page that fetches them in its own statement: see community.prefetch.ts).
 */
export function rowsOfQuery<T extends ProjectRow, O extends string>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  parent: 'project' | 'community',
  args: ProjectRowArgs<ProjectRowFilter, O>,
  fields?: ReadonlySet<string>,
  params: unknown[] = [],
): NestedPageQuery<T> {
  const a = kind.alias;
  return {
    ...listQuery(ctx, kind, args, fields, params),
    parentWhere: `${a}.tenant_id = k.tenant_id AND ${a}.${parent}_id = k.parent_id`,
    tenantColumn: `${a}.tenant_id`,
  };
}

/**
 * The visible live rows among `ids`; `joined` adds columns of joined tables (their joins and
 * parameters, `ids` being $1), so a row comes with the parents its query selects.
 */
export function rowsByIds<T extends ProjectRow>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  ids: readonly string[],
  joined?: { columns: readonly string[]; joins: readonly string[]; params: unknown[] },
): Promise<T[]> {
  const a = kind.alias;
  const params: unknown[] = joined?.params ?? [ids];
  const columns = [kind.columns, ...(joined?.columns ?? [])].join(', ');
  return ctx.tx.query<T>(
    `SELECT ${columns} FROM ${kind.table} ${a} ${joined?.joins.join(' ') ?? ''}
     WHERE ${a}.id = ANY ($1::uuid[]) AND ${a}.deleted_at IS NULL
       AND ${ctx.access.projectVisibleSql(`${a}.tenant_id`, `${a}.project_id`, params)}`,
    params,
  );
}
