import { badUserInput } from './errors';
import type { Page } from './connection';

/* Keyset paging's positions: the opaque cursors clients pass as `after`, and the SQL that
 * continues a sorted list after one. */

/** A keyset position: the sort column's value and the row id. */
type Cursor = Readonly<{ value: string; id: string }>;

function encodeCursor(value: unknown, id: string): string {
  const plain = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([plain, id]), 'utf8').toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// PostgreSQL has no year 0; JavaScript does.
const ISO_DAY = /^(?!0000)\d{4}-\d{2}-\d{2}$/;
const ISO_INSTANT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The sort values a cursor may carry, by the SQL type `keyset` casts them to: exactly what
 * `encodeCursor` writes for that type. A cursor from a list sorted another way, or one made
 * up, is then the client's error rather than a statement PostgreSQL rejects.
 */
const SORT_VALUE_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  text: (value) => !value.includes('\u0000'),
  date: (value) =>
    ISO_DAY.test(value) && new Date(`${value}T00:00:00.000Z`).toISOString().startsWith(value),
  timestamptz: (value) => ISO_INSTANT.test(value) && new Date(value).toISOString() === value,
};

/** Reads an `after` argument for a list sorted on a column of SQL type `cast`. */
export function decodeCursor(cursor: string | null | undefined, cast: string): Cursor | null {
  if (cursor === null || cursor === undefined) return null;
  const isSortValue = SORT_VALUE_CHECKS[cast];
  if (!isSortValue) throw new Error(`decodeCursor: no check for sort values of type ${cast}`);
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      isSortValue(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      UUID.test(parsed[1])
    ) {
      return { value: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through: not a cursor of ours (not base64 JSON, or an impossible date)
  }
  throw badUserInput('after', 'after is not a valid cursor');
}

/**
 * The keyset condition and ORDER BY for sorting on `column` then `id`. `column` and
 * `idColumn` are SQL expressions chosen by the service, never by the client.
 */
export function keyset(
  column: string,
  idColumn: string,
  descending: boolean,
  after: Cursor | null,
  cast: string,
  params: unknown[],
): { where: string | null; orderBy: string } {
  const dir = descending ? 'DESC' : 'ASC';
  // A timestamp reaches the cursor as a JavaScript Date, which keeps milliseconds where
  // PostgreSQL keeps microseconds. Sort and compare at the cursor's precision: against the
  // stored microseconds, the row a page ended on would come back on the next page (ascending)
  // and rows sharing its timestamp, such as a whole seed or import, would be skipped (descending).
  const key = cast === 'timestamptz' ? `date_trunc('milliseconds', ${column})` : column;
  const orderBy = `${key} ${dir}, ${idColumn} ${dir}`;
  if (!after) return { where: null, orderBy };
  params.push(after.value, after.id);
  const op = dir === 'DESC' ? '<' : '>';
  return {
    where: `(${key}, ${idColumn}) ${op} ($${params.length - 1}::${cast}, $${params.length}::uuid)`,
    orderBy,
  };
}

/** An edge whose cursor is encoded only if a client asks for it (most read `nodes`). */
class Edge<T extends { id: string }> {
  constructor(
    readonly node: T,
    private readonly sortValue: (row: T) => unknown,
  ) {}

  get cursor(): string {
    return encodeCursor(this.sortValue(this.node), this.node.id);
  }
}

/** Turns fetched rows (one more than the page size) into a page. */
export function toPage<T extends { id: string }>(
  rows: T[],
  size: number,
  after: Cursor | null,
  sortValue: (row: T) => unknown,
  count: () => Promise<number>,
): Page<T> {
  const hasNextPage = rows.length > size;
  const pageRows = hasNextPage ? rows.slice(0, size) : rows;
  const edges = pageRows.map((node) => new Edge(node, sortValue));
  return {
    edges,
    // The cursors too only when asked for: a project page has 420 pages, and most clients
    // read none of their cursors.
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after !== null,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges[edges.length - 1]?.cursor ?? null;
      },
    },
    count,
  };
}
