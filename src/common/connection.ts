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
import { columnsOf, param, prefixedColumns, prefixedRow } from './sql';

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
  return toPage(rows, size, after, query.sort.value, () => countAll(ctx, query));
}

/** Counts a root list's whole filtered list (for `totalCount`). */
async function countAll<T>(ctx: RequestContext, query: PageQuery<T>): Promise<number> {
  const where = query.where.length > 0 ? query.where.join(' AND ') : 'true';
  const [row] = await ctx.tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM ${query.from} WHERE ${where}`,
    query.params,
  );
  return row?.count ?? 0;
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

  const countAll = countsPerParent(ctx, query, parents);
  return byParent.map((pageRows, index) =>
    toPage(pageRows, size, after, query.sort.value, async () => (await countAll())[index] ?? 0),
  );
}

/** Counts a nested connection's whole list for each parent (of one tenant), in one statement, once. */
function countsPerParent<T>(
  ctx: RequestContext,
  query: NestedPageQuery<T>,
  parents: readonly ParentKey[],
): () => Promise<number[]> {
  let counts: Promise<number[]> | undefined;
  return () => {
    counts ??= (async () => {
      const params = [...query.params];
      const tenant = param(params, parents[0]?.tenantId ?? null);
      const tenantIds = param(
        params,
        parents.map((p) => p.tenantId),
      );
      const parentIds = param(
        params,
        parents.map((p) => p.id),
      );
      const where = [query.parentWhere, `${query.tenantColumn} = ${tenant}::uuid`, ...query.where];
      const result = await ctx.tx.query<{ count: number }>(
        `SELECT (SELECT count(*)::int FROM ${query.from} WHERE ${where.join(' AND ')}) AS count
         FROM unnest(${tenantIds}::uuid[], ${parentIds}::uuid[]) WITH ORDINALITY AS k (tenant_id, parent_id, ord)
         ORDER BY k.ord`,
        params,
      );
      return result.map((r) => r.count);
    })();
    return counts;
  };
}

/**
 * Like `fetchNestedPages`, and in the SAME statement one page of a connection nested under
 * those rows (issue 17: a project page's activities of each community with the communities).
 * `nestedOf` builds the inner query on the outer query's parameters (its placeholders
 * continue theirs; `k` in its `parentWhere` is then the outer row); called again with none when
 * an inner `totalCount` is asked for. Every condition of both queries applies as in
 * `fetchNestedPages`, the tenant named as a value in both; only the round trip is shared.
 * `query.select` must be a plain column list (see `prefixedColumns`) naming the rows'
 * keys `"tenantId"` and `id`. Resolves to the outer pages
 * and, for each, the inner pages of its rows in the same order.
 */
export async function fetchNestedPagesWithNestedPages<
  T extends ParentKey,
  N extends { id: string },
>(
  ctx: RequestContext,
  query: NestedPageQuery<T>,
  parents: readonly ParentKey[],
  nestedOf: (params: unknown[]) => NestedPageQuery<N>,
): Promise<{ page: Page<T>; nestedPages: Page<N>[] }[]> {
  const results = new Array<{ page: Page<T>; nestedPages: Page<N>[] }>(parents.length);
  for (const tenant of new Set(parents.map((p) => p.tenantId))) {
    const at = parents.flatMap((p, i) => (p.tenantId === tenant ? [i] : []));
    const own = await fetchTenantNestedPagesWithNestedPages(
      ctx,
      query,
      at.map((i) => parents[i]!),
      nestedOf,
    );
    at.forEach((index, i) => (results[index] = own[i]!));
  }
  return results;
}

async function fetchTenantNestedPagesWithNestedPages<T extends ParentKey, N extends { id: string }>(
  ctx: RequestContext,
  query: NestedPageQuery<T>,
  parents: readonly ParentKey[],
  nestedOf: (params: unknown[]) => NestedPageQuery<N>,
): Promise<{ page: Page<T>; nestedPages: Page<N>[] }[]> {
  const size = pageSize(query.first);
  const after = decodeCursor(query.after, query.sort.cast);
  const nested = nestedOf([...query.params]);
  const nestedSize = pageSize(nested.first);
  const nestedAfter = decodeCursor(nested.after, nested.sort.cast);
  const params = [...nested.params];
  const desc = (q: { direction: OrderDirection }) => q.direction === OrderDirection.DESC;
  const position = keyset(
    query.sort.column,
    query.idColumn,
    desc(query),
    after,
    query.sort.cast,
    params,
  );
  const nestedPosition = keyset(
    nested.sort.column,
    nested.idColumn,
    desc(nested),
    nestedAfter,
    nested.sort.cast,
    params,
  );
  const tenant = param(params, parents[0]?.tenantId ?? null);
  const tenantIds = param(
    params,
    parents.map((p) => p.tenantId),
  );
  const parentIds = param(
    params,
    parents.map((p) => p.id),
  );
  const limit = param(params, size + 1);
  const nestedLimit = param(params, nestedSize + 1);
  const where = [query.parentWhere, `${query.tenantColumn} = ${tenant}::uuid`, ...query.where];
  if (position.where) where.push(position.where);
  const nestedWhere = [nested.parentWhere, `${nested.tenantColumn} = ${tenant}::uuid`];
  nestedWhere.push(...nested.where);
  if (nestedPosition.where) nestedWhere.push(nestedPosition.where);
  // An outer row's columns come with its first inner row only (nulls after): parsing them
  // again for each of its activities cost more than the statement saved.
  const outerColumns = columnsOf(query.select)
    .map(
      ({ alias }) =>
        `CASE WHEN coalesce(x."@nested", 1) = 1 THEN page."@.${alias}" END AS "@.${alias}"`,
    )
    .join(', ');
  // The inner page's `k` is the outer row: its own FROM item hides the parents' `k`.
  const rows = await ctx.tx.query<Record<string, unknown>>(
    `SELECT k.ord::int AS "@parent", page."@page", ${outerColumns}, x.*
     FROM unnest(${tenantIds}::uuid[], ${parentIds}::uuid[]) WITH ORDINALITY AS k (tenant_id, parent_id, ord)
     CROSS JOIN LATERAL (
       SELECT ${prefixedColumns(query.select, '@')},
              (row_number() OVER (ORDER BY ${position.orderBy}))::int AS "@page"
       FROM ${query.from} WHERE ${where.join(' AND ')}
       ORDER BY ${position.orderBy} LIMIT ${limit}
     ) page
     LEFT JOIN LATERAL (
       SELECT inner_page.* FROM (SELECT page."@.tenantId" AS tenant_id, page."@.id" AS parent_id) k
       CROSS JOIN LATERAL (
         SELECT ${nested.select},
                (row_number() OVER (ORDER BY ${nestedPosition.orderBy}))::int AS "@nested"
         FROM ${nested.from} WHERE ${nestedWhere.join(' AND ')}
         ORDER BY ${nestedPosition.orderBy} LIMIT ${nestedLimit}
       ) inner_page
     ) x ON true
     ORDER BY k.ord, page."@page", x."@nested"`,
    params,
  );
  const outer = parents.map(() => [] as T[]);
  const inner = parents.map(() => [] as N[][]);
  let parent = 0;
  let ordinal = 0;
  for (const row of rows) {
    if (row['@parent'] !== parent || row['@page'] !== ordinal) {
      parent = row['@parent'] as number;
      ordinal = row['@page'] as number;
      outer[parent - 1]!.push(prefixedRow<T>(row, '@')!);
      inner[parent - 1]!.push([]);
    }
    if (row['id'] === null || row['id'] === undefined) continue; // no inner row (LEFT JOIN)
    // The row is the inner row, its "@" columns kept: copying a thousand rows to drop them
    // would cost more (as fetchTenantNestedPages keeps parentOrdinal).
    inner[parent - 1]!.at(-1)!.push(row as N);
  }
  const countOuter = countsPerParent(ctx, query, parents);
  const pages = outer.map((pageRows, index) =>
    toPage(pageRows, size, after, query.sort.value, async () => (await countOuter())[index] ?? 0),
  );
  // One count statement for the inner pages of every outer page, as fetchNestedPages does.
  const shown = pages.flatMap((page) => page.edges.map((edge) => edge.node));
  const countInner = countsPerParent(ctx, nestedOf([]), shown);
  let next = 0;
  return pages.map((page, index) => {
    const nestedPages = page.edges.map((_, i) => {
      const at = next++;
      return toPage(
        inner[index]![i]!,
        nestedSize,
        nestedAfter,
        nested.sort.value,
        async () => (await countInner())[at] ?? 0,
      );
    });
    return { page, nestedPages };
  });
}
