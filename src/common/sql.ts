/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Appends a parameter and returns its placeholder. */
export function param(params: unknown[], value: unknown): string {
  params.push(value);
  return `$${params.length}`;
}

/**
 * The `updatedSince` filter of a list: rows whose `updated_at` is at or after `since`. A
 * client passes back a time it read (milliseconds), so a row stored with microseconds in that
 * same millisecond is kept, never skipped.
 */
export function updatedSinceSql(alias: string, since: Date, params: unknown[]): string {
  return `${alias}.updated_at >= ${param(params, since)}::timestamptz`;
}

/**
 * A service's column list with every alias prefixed, for a parent's columns joined into its
 * child's row: `c.tenant_id AS "tenantId", c.id` → `c.tenant_id AS "community.tenantId",
 * c.id AS "community.id"`.
 */
export function prefixedColumns(columnList: string, prefix: string): string {
  let lists = prefixedLists.get(prefix);
  if (!lists) {
    lists = new Map();
    prefixedLists.set(prefix, lists);
  }
  let prefixed = lists.get(columnList);
  if (prefixed === undefined) {
    prefixed = columnsOf(columnList)
      .map(({ expression, alias }) => `${expression} AS "${prefix}.${alias}"`)
      .join(', ');
    if (lists.size < PREFIXED_LISTS_LIMIT) lists.set(columnList, prefixed);
  }
  return prefixed;
}

/**
 * Column lists are built from fixed pieces (a service's columns, the fields a query selects),
 * so few distinct ones are ever prefixed: remembered rather than split and matched again on
 * every request (issue 17), up to a bound in case a source of distinct lists appears.
 */
const PREFIXED_LISTS_LIMIT = 500;
/** Prefixed lists by prefix (a handful, all fixed in the code), then by column list. */
const prefixedLists = new Map<string, Map<string, string>>();

/** The expressions and result names of a plain column list (`c.id, c.name AS "title"`). */
export function columnsOf(columnList: string): { expression: string; alias: string }[] {
  return columnList.split(',').map((column) => {
    const [, expression, alias] = /^\s*(\S+)(?:\s+AS\s+"([^"]+)")?\s*$/s.exec(column) ?? [];
    if (!expression) throw new Error(`Cannot prefix the column ${column}`);
    return { expression, alias: alias ?? expression.split('.').pop()! };
  });
}

/** The columns of a row that `prefixedColumns` named with `prefix`; null when its id is null. */
export function prefixedRow<T>(row: Record<string, unknown>, prefix: string): T | null {
  if (row[`${prefix}.id`] === null || row[`${prefix}.id`] === undefined) return null;
  const part: Record<string, unknown> = {};
  const start = prefix.length + 1;
  for (const key in row) if (key.startsWith(`${prefix}.`)) part[key.slice(start)] = row[key];
  return part as T;
}

/** The columns of a row that no `prefixedColumns` prefix names. */
export function unprefixedRow<T>(row: Record<string, unknown>): T {
  const own: Record<string, unknown> = {};
  for (const key in row) if (!key.includes('.')) own[key] = row[key];
  return own as T;
}
