import type { RequestContext } from '../context';
import { conflict, forbidden, notFound } from './errors';

/** One optimistic-concurrency write of one row. */
export type VersionedWrite = Readonly<{
  /** `table alias`, e.g. `activities a`; the alias prefixes every column below. */
  table: string;
  alias: string;
  /** The GraphQL type name, for the NOT_FOUND message. */
  entity: string;
  tenantId: string;
  id: string;
  expectedVersion: number;
  /** SET assignments, possibly none (version, updated_at and updated_by are added). */
  set: string;
  /** Constant conditions (no parameters) the row must also meet, e.g. `a.deleted_at IS NULL`. */
  where?: string;
  params: unknown[];
  returning: string;
  actor: string;
}>;

/**
 * `UPDATE … SET version = version + 1 … WHERE id = … AND version = expected`: of two
 * writers holding the same version exactly one changes the row; the other waits on its row
 * lock, finds the version moved on, and gets CONFLICT with the current version. A row that
 * is gone (or hidden) is NOT_FOUND. TypeORM's @VersionColumn would not put the version in
 * the WHERE clause, so this is plain SQL.
 */
export async function versionedUpdate<T extends object>(
  ctx: RequestContext,
  write: VersionedWrite,
): Promise<T> {
  const params = [...write.params];
  const a = write.alias;
  params.push(write.actor, write.tenantId, write.id, write.expectedVersion);
  const n = params.length;
  const extra = write.where ? ` AND ${write.where}` : '';
  const [row] = await ctx.tx.query<T>(
    `UPDATE ${write.table} SET ${write.set ? `${write.set}, ` : ''}version = ${a}.version + 1, updated_at = now(),
       updated_by = $${n - 3}
     WHERE ${a}.tenant_id = $${n - 2} AND ${a}.id = $${n - 1} AND ${a}.version = $${n}${extra}
     RETURNING ${write.returning}`,
    params,
  );
  if (row) return row;
  throw await notWritten(ctx, write);
}

/**
 * `DELETE … WHERE id = … AND version = expected`, answering like `versionedUpdate` when it
 * deletes nothing: NOT_FOUND for a row that is gone, CONFLICT for one that moved on.
 */
export async function versionedDelete<T extends object>(
  ctx: RequestContext,
  write: Omit<VersionedWrite, 'set' | 'where' | 'params' | 'actor'>,
): Promise<T> {
  const a = write.alias;
  const [row] = await ctx.tx.query<T>(
    `DELETE FROM ${write.table} WHERE ${a}.tenant_id = $1 AND ${a}.id = $2 AND ${a}.version = $3
     RETURNING ${write.returning}`,
    [write.tenantId, write.id, write.expectedVersion],
  );
  if (row) return row;
  throw await notWritten(ctx, write);
}

/** Why a versioned write changed no row: the row is gone (NOT_FOUND) or at another version. */
async function notWritten(
  ctx: RequestContext,
  write: Pick<VersionedWrite, 'table' | 'alias' | 'entity' | 'tenantId' | 'id' | 'where'>,
): Promise<Error> {
  const a = write.alias;
  const extra = write.where ? ` AND ${write.where}` : '';
  const [current] = await ctx.tx.query<{ version: number }>(
    `SELECT ${a}.version FROM ${write.table} WHERE ${a}.tenant_id = $1 AND ${a}.id = $2${extra}`,
    [write.tenantId, write.id],
  );
  return current ? staleVersion(write.entity, current.version) : notFound(write.entity);
}

/** CONFLICT for a write made against an old version, carrying the current one. */
export function staleVersion(entity: string, currentVersion: number) {
  return conflict(`The ${entity} has changed since the version you read; reload it and retry`, {
    field: 'expectedVersion',
    currentVersion,
  });
}

/**
 * The row a write is about, checked before writing: absent from the writable scope →
 * FORBIDDEN if the principal can still read it, NOT_FOUND otherwise (so ids of other
 * tenants reveal nothing); read at another version → CONFLICT with the current version.
 */
export async function rowToWrite<T extends { version: number }>(
  row: T | undefined,
  entity: string,
  expectedVersion: number,
  isReadable: () => Promise<boolean>,
): Promise<T> {
  if (!row) {
    if (await isReadable()) throw forbidden(`You may not change this ${entity}`);
    throw notFound(entity);
  }
  if (row.version !== expectedVersion) throw staleVersion(entity, row.version);
  return row;
}

/** The SET list and parameters for the given column values (undefined: leave unchanged). */
export function assignments(
  columns: Readonly<Record<string, unknown>>,
  params: unknown[],
): string[] {
  const set: string[] = [];
  for (const [column, value] of Object.entries(columns)) {
    if (value === undefined) continue;
    params.push(value);
    set.push(`${column} = $${params.length}`);
  }
  return set;
}
