// Longer than 300 lines: the connection types and both page fetchers (flat and nested) share
// the keyset and counting code here; split, every list module would import from two files.
import {
  ArgsType,
  type ClassType,
  Field,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from 'type-graphql';
import { badUserInput } from './errors';
import type { RequestContext } from '../context';
import { decodeCursor, keyset, toPage } from './cursor';
import type { ParentKey } from './loader';

export type { ParentKey };

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export enum OrderDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(OrderDirection, {
  name: 'OrderDirection',
  description: 'Sort direction.',
  valuesConfig: {
    ASC: { description: 'Ascending: smallest, earliest or A first.' },
    DESC: { description: 'Descending: largest, latest or Z first.' },
  },
});

@ObjectType({ description: 'Where a page of a connection sits in the whole list.' })
export class PageInfo {
  @Field({ description: 'Whether more items follow this page.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede this page (true when `after` was given).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of the page.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item; pass it as `after`.',
  })
  endCursor!: string | null;
}

/** A page as services return it: rows with their cursors, and a lazily counted total. */
export type Page<T> = Readonly<{
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  /** Counts the whole filtered list; run only when a client asks for `totalCount`. */
  count: () => Promise<number>;
}>;

/** Builds the Relay connection and edge types of a node type. */
export function Connection<T extends object>(node: ClassType<T>, nodeName: string) {
  @ObjectType(`${nodeName}Edge`, { description: `A ${nodeName} in a page, with its cursor.` })
  class Edge {
    @Field({ description: 'Opaque position of this item; pass it as `after`.' })
    cursor!: string;

    @Field(() => node, { description: `The ${nodeName}.` })
    node!: T;
  }

  @ObjectType(`${nodeName}Connection`, { description: `A page of ${nodeName}s.` })
  class ConnectionType {
    @Field(() => [Edge], { description: 'The items of this page, with their cursors.' })
    edges!: Edge[];

    @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
    pageInfo!: PageInfo;

    count!: () => Promise<number>;

    @Field(() => [node], { description: `The ${nodeName}s of this page, without cursors.` })
    get nodes(): T[] {
      return this.edges.map((edge) => edge.node);
    }

    @Field(() => Int, { description: 'How many items the whole filtered list holds.' })
    totalCount(): Promise<number> {
      return this.count();
    }
  }
  return ConnectionType;
}

/**
 * Builds the `orderBy` input of a list: a field of `fields` and a direction. `name` is the
 * input type's (`ActivityOrder`), `items` what the list holds (`activities`).
 */
export function OrderBy<F extends string>(fields: Record<string, F>, name: string, items: string) {
  @InputType(name, { description: `How to sort ${items}.` })
  class Order {
    @Field(() => fields, { description: 'The field to sort by.' })
    field!: F;

    @Field(() => OrderDirection, {
      defaultValue: OrderDirection.ASC,
      description: 'The direction.',
    })
    direction!: OrderDirection;
  }
  return Order;
}

/** Checks `first` (1..100; larger is an error, never silently clamped). */
export function pageSize(first: number | undefined | null): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badUserInput('first', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** The paging arguments every connection field takes. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description: `How many items to return: 1 to ${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}.`,
  })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'Return the items after this cursor.' })
  after?: string | null;
}

/** Wraps a service's page in a connection type, whose fields are getters and methods. */
export function toConnection<C extends object, T>(type: ClassType<C>, page: Page<T>): C {
  return Object.assign(new type(), page);
}

/** How a service lists one kind of row: all SQL here is the service's, never the client's. */
export type PageQuery<T> = Readonly<{
  select: string;
  from: string;
  where: string[];
  params: unknown[];
  sort: Readonly<{ column: string; cast: string; value: (row: T) => unknown }>;
  idColumn: string;
  direction: OrderDirection;
  first?: number | null;
  after?: string | null;
}>;

/**
 * Runs a keyset-paginated list query in the request transaction: the filter is applied in
 * SQL, so hidden rows are never fetched, counted or skipped over.
 */
export async function fetchPage<T extends { id: string }>(
  ctx: RequestContext,
  query: PageQuery<T>,
): Promise<Page<T>> {
  const size = pageSize(query.first);
  const after = decodeCursor(query.after, query.sort.cast);
  const where = query.where.length > 0 ? query.where.join(' AND ') : 'true';
  const countParams = [...query.params];
  const params = [...query.params];
  const position = keyset(
    query.sort.column,
    query.idColumn,
    query.direction === OrderDirection.DESC,
    after,
    query.sort.cast,
    params,
  );
  params.push(size + 1);
  const rows = await ctx.tx.query<T>(
    `SELECT ${query.select} FROM ${query.from}
     WHERE ${where}${position.where ? ` AND ${position.where}` : ''}
     ORDER BY ${position.orderBy} LIMIT $${params.length}`,
    params,
  );
  const count = async () => {
    const [row] = await ctx.tx.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM ${query.from} WHERE ${where}`,
      countParams,
    );
    return row?.count ?? 0;
  };
  return toPage(rows, size, after, query.sort.value, count);
}

/**
 * Like `PageQuery`, for a connection nested under many parents at once. `parentWhere` is SQL
 * over the placeholders `k.tenant_id` and `k.parent_id` (the parent's keys).
 */
export type NestedPageQuery<T> = Omit<PageQuery<T>, 'where'> &
  Readonly<{
    parentWhere: string;
    where: string[];
    /**
     * The rows' tenant column (e.g. `a.tenant_id`), also compared with the parents' tenants as
     * a list of values: Citus routes a statement to one tenant's shards only when the tenant
     * is given as a value, not through a join with the parents.
     */
    tenantColumn: string;
  }>;

/**
 * Fetches one page per parent in a single statement (a LATERAL subquery per parent, each
 * reading only its page through the index), and counts, when asked, in one more. Parents of
 * several tenants (a platform admin's) are fetched one tenant at a time: Citus cannot push a
 * LIMITed lateral page over parents of several shard groups down to the shards.
 */
export async function fetchNestedPages<T extends { id: string }>(
  ctx: RequestContext,
  query: NestedPageQuery<T>,
  parents: readonly ParentKey[],
): Promise<Page<T>[]> {
  const tenants = [...new Set(parents.map((p) => p.tenantId))];
  if (tenants.length <= 1) return fetchTenantNestedPages(ctx, query, parents);
  const pages = new Array<Page<T>>(parents.length);
  for (const tenant of tenants) {
    const at = parents.flatMap((p, i) => (p.tenantId === tenant ? [i] : []));
    const own = await fetchTenantNestedPages(
      ctx,
      query,
      at.map((i) => parents[i]!),
    );
    at.forEach((index, i) => (pages[index] = own[i]!));
  }
  return pages;
}

async function fetchTenantNestedPages<T extends { id: string }>(
  ctx: RequestContext,
  query: NestedPageQuery<T>,
  parents: readonly ParentKey[],
): Promise<Page<T>[]> {
  const size = pageSize(query.first);
  const after = decodeCursor(query.after, query.sort.cast);
  const params = [...query.params];
  const position = keyset(
    query.sort.column,
    query.idColumn,
    query.direction === OrderDirection.DESC,
    after,
    query.sort.cast,
    params,
  );
  const tenantIds = parents.map((p) => p.tenantId);
  const parentIds = parents.map((p) => p.id);
  // The parents' one tenant as a value compared by `=`, which the planner carries through the
  // joins on tenant_id to every table, so that Citus routes the statement to its shard group.
  const countParams = [...query.params, tenantIds[0] ?? null];
  params.push(tenantIds[0] ?? null);
  const where = (tenant: number) =>
    [query.parentWhere, `${query.tenantColumn} = $${tenant}::uuid`, ...query.where].join(' AND ');
  const t = params.length;
  params.push(tenantIds, parentIds, size + 1);
  const n = params.length;
  const rows = await ctx.tx.query<T & { parentOrdinal: number }>(
    `SELECT k.ord::int AS "parentOrdinal", x.*
     FROM unnest($${n - 2}::uuid[], $${n - 1}::uuid[]) WITH ORDINALITY AS k (tenant_id, parent_id, ord)
     CROSS JOIN LATERAL (
       SELECT ${query.select} FROM ${query.from}
       WHERE ${where(t)}${position.where ? ` AND ${position.where}` : ''}
       ORDER BY ${position.orderBy} LIMIT $${n}
     ) x`,
    params,
  );
  const byParent = parents.map(() => [] as T[]);
  // The row keeps its parentOrdinal: copying a thousand rows to drop it would cost more.
  for (const row of rows) byParent[row.parentOrdinal - 1]!.push(row);

  let counts: Promise<number[]> | undefined;
  const countAll = () => {
    counts ??= (async () => {
      const tenants = countParams.length;
      countParams.push(tenantIds, parentIds);
      const m = countParams.length;
      const result = await ctx.tx.query<{ count: number }>(
        `SELECT (SELECT count(*)::int FROM ${query.from} WHERE ${where(tenants)}) AS count
         FROM unnest($${m - 1}::uuid[], $${m}::uuid[]) WITH ORDINALITY AS k (tenant_id, parent_id, ord)
         ORDER BY k.ord`,
        countParams,
      );
      return result.map((r) => r.count);
    })();
    return counts;
  };
  return byParent.map((pageRows, index) =>
    toPage(pageRows, size, after, query.sort.value, async () => (await countAll())[index] ?? 0),
  );
}
