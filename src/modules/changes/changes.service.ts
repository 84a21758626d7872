import { Capability } from '../../auth/access';
import { DomainError, ErrorCode, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import {
  decodeFeedCursor,
  encodeFeedCursor,
  type FeedCursor,
  type FeedScope,
  type LogPosition,
  type RowPosition,
  sameScope,
} from './change-cursor';

/* The changes feed (docs/changes-and-webhooks.md): a tenant's rows created, updated and
 * deleted since a cursor, in commit order, as the principal may read them. Three phases, each
 * paged, in this order: the initial copy (first call), a change of the principal's scope
 * (rows that fell out of view as tombstones, rows that came into view as upserts), then the
 * change log read below the oldest running transaction. */

export enum ChangeOperation {
  UPSERT = 'UPSERT',
  DELETE = 'DELETE',
}

export type ChangeItem = {
  tenantId: string;
  entityType: string;
  entityId: string;
  operation: ChangeOperation;
  action: string | null;
  version: number | null;
  changedAt: Date | null;
  deletedAt: Date | null;
};

export type ChangePage = { nodes: ChangeItem[]; cursor: string; hasMore: boolean };

/** How long change-log rows are kept; set once by createApp from CHANGES_RETENTION_DAYS. */
const settings = { retentionMs: 90 * 86_400_000 };

export function configureChangesFeed(options: { retentionDays: number }): void {
  settings.retentionMs = options.retentionDays * 86_400_000;
}

export const changeRetentionMs = (): number => settings.retentionMs;

const NO_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** The current scope of the principal in one tenant: all of it, some projects, or none. */
async function currentScope(ctx: RequestContext, tenantId: string): Promise<FeedScope | null> {
  const access = ctx.access;
  if (access.fullTenantIds.includes(tenantId)) {
    return { full: true, projects: [], communities: [] };
  }
  if (!access.partnerTenantIds.includes(tenantId)) return null;
  const params: unknown[] = [tenantId];
  const projects = access.projectVisibleSql('p.tenant_id', 'p.id', params);
  const communities = access.communityVisibleSql('c.tenant_id', 'c.id', params);
  const [row] = await ctx.tx.query<{ projects: string[]; communities: string[] }>(
    `SELECT ARRAY(SELECT p.id::text FROM projects p WHERE p.tenant_id = $1 AND ${projects}
                  ORDER BY p.id) AS projects,
            ARRAY(SELECT c.id::text FROM communities c WHERE c.tenant_id = $1 AND ${communities}
                  ORDER BY c.id) AS communities`,
    params,
  );
  return { full: false, projects: row!.projects, communities: row!.communities };
}

/** `changes(tenantCode, since, first)`. */
export async function listChanges(
  ctx: RequestContext,
  args: { tenantCode: string; since?: string | null; first: number },
): Promise<ChangePage> {
  const [head] = await ctx.tx.query<{ key: string; xmin: string; tenantId: string | null }>(
    `SELECT change_feed_key() AS key, change_feed_horizon()::text AS xmin,
            (SELECT t.id FROM tenants t WHERE t.code = upper($1)) AS "tenantId"`,
    [args.tenantCode],
  );
  const { key, xmin } = head!;
  const readable = ctx.access.tenantForCode(Capability.READ, args.tenantCode);
  let cursor: FeedCursor;
  if (args.since) {
    cursor = decodeFeedCursor(args.since, key);
    if (cursor.tenantId !== head!.tenantId) {
      throw new DomainError(
        ErrorCode.BAD_USER_INPUT,
        'This cursor belongs to the feed of another tenant',
        { field: 'since' },
      );
    }
    if (Date.now() - cursor.issuedAt > settings.retentionMs) {
      throw new DomainError(
        ErrorCode.CURSOR_EXPIRED,
        `This cursor is older than the ${Math.round(settings.retentionMs / 86_400_000)} days the changes feed keeps: resync from scratch by calling changes without since`,
        { field: 'since' },
      );
    }
  } else {
    if (!readable) throw notFound('Tenant');
    // Everything that commits from now on has a txid of at least xmin: the log is read from
    // there once the copy is done, so a row written while the copy pages is sent again, never lost.
    cursor = {
      tenantId: readable,
      scope: await currentScope(ctx, readable),
      position: { txid: (BigInt(xmin) - 1n).toString(), at: 'infinity', id: NO_ID },
      issuedAt: Date.now(),
      snapshot: { after: null },
    };
  }
  const tenantId = cursor.tenantId;
  const nodes: ChangeItem[] = [];
  let hasMore = false;

  if (cursor.snapshot) {
    const page = await scopeRows(
      ctx,
      tenantId,
      null,
      cursor.scope,
      cursor.snapshot.after,
      args.first,
    );
    nodes.push(...page.items);
    hasMore = page.more;
    cursor = hasMore
      ? { ...cursor, snapshot: { after: page.last } }
      : { ...cursor, snapshot: undefined };
  }
  if (!hasMore && !cursor.snapshot) {
    const now = readable ? await currentScope(ctx, tenantId) : null;
    const rescope =
      cursor.rescope ?? (sameScope(now, cursor.scope) ? null : { to: now, after: null });
    if (rescope) {
      const page = await scopeRows(
        ctx,
        tenantId,
        cursor.scope,
        rescope.to,
        rescope.after,
        args.first - nodes.length,
      );
      nodes.push(...page.items);
      hasMore = page.more;
      cursor = hasMore
        ? { ...cursor, rescope: { to: rescope.to, after: page.last } }
        : { ...cursor, scope: rescope.to, rescope: undefined };
    }
  }
  if (!hasMore && !cursor.snapshot && !cursor.rescope && cursor.scope) {
    const page = await logRows(
      ctx,
      tenantId,
      cursor.scope,
      cursor.position,
      xmin,
      args.first - nodes.length,
    );
    nodes.push(...page.items);
    hasMore = page.more;
    cursor = { ...cursor, position: page.position };
  }
  return {
    nodes,
    hasMore,
    cursor: encodeFeedCursor({ ...cursor, issuedAt: Date.now() }, key),
  };
}

/**
 * The ids in scope `to` but not in `from` as upserts, and those in `from` but not in `to` as
 * tombstones (`from` null: the initial copy), after `after`, at most `limit`.
 */
async function scopeRows(
  ctx: RequestContext,
  tenantId: string,
  from: FeedScope | null,
  to: FeedScope | null,
  after: RowPosition,
  limit: number,
): Promise<{ items: ChangeItem[]; more: boolean; last: RowPosition }> {
  if (limit <= 0) return { items: [], more: true, last: after };
  const side = (scope: FeedScope | null, params: unknown[]) => {
    if (!scope) return `(SELECT NULL::text AS entity_type, NULL::uuid AS id WHERE false)`;
    params.push(scope.full, scope.projects, scope.communities);
    const n = params.length;
    return `(SELECT entity_type, id FROM change_feed_rows($1, $${n - 2}, $${n - 1}::uuid[], $${n}::uuid[]))`;
  };
  const params: unknown[] = [tenantId];
  const old = side(from, params);
  const now = side(to, params);
  params.push(after?.type ?? '', after?.id ?? '00000000-0000-0000-0000-000000000000', limit + 1);
  const n = params.length;
  const rows = await ctx.tx.query<{ entityType: string; id: string; gone: boolean }>(
    `WITH old AS ${old}, now AS ${now}, diff AS (
       SELECT entity_type, id, false AS gone FROM (SELECT * FROM now EXCEPT SELECT * FROM old) g
       UNION ALL
       SELECT entity_type, id, true AS gone FROM (SELECT * FROM old EXCEPT SELECT * FROM now) l)
     SELECT entity_type AS "entityType", id, gone FROM diff
      WHERE (entity_type, id) > ($${n - 2}, $${n - 1}::uuid)
      ORDER BY entity_type, id LIMIT $${n}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const now_ = new Date();
  const last = page.length > 0 ? { type: page.at(-1)!.entityType, id: page.at(-1)!.id } : after;
  return {
    more,
    last,
    items: page.map((row) => ({
      tenantId,
      entityType: row.entityType,
      entityId: row.id,
      operation: row.gone ? ChangeOperation.DELETE : ChangeOperation.UPSERT,
      action: null,
      version: null,
      changedAt: null,
      deletedAt: row.gone ? now_ : null,
    })),
  };
}

/**
 * The change log after `position` and below `xmin` (every transaction with a smaller id has
 * ended, so nothing can still commit behind the cursor), narrowed to the scope.
 */
async function logRows(
  ctx: RequestContext,
  tenantId: string,
  scope: FeedScope,
  position: LogPosition,
  xmin: string,
  limit: number,
): Promise<{ items: ChangeItem[]; more: boolean; position: LogPosition }> {
  if (limit <= 0) return { items: [], more: true, position };
  const params: unknown[] = [tenantId, position.txid, position.at, position.id, xmin, limit + 1];
  let narrow = '';
  if (!scope.full) {
    params.push(scope.projects, scope.communities);
    narrow = `AND (l.project_id = ANY ($7::uuid[]) OR l.entity_type = 'Indicator'
                   OR (l.entity_type = 'Community' AND l.entity_id = ANY ($8::uuid[])))`;
  }
  const rows = await ctx.tx.query<{
    txid: string;
    at: string;
    id: string;
    entityType: string;
    entityId: string;
    action: string;
    version: number | null;
    changedAt: Date;
  }>(
    `SELECT l.txid::text AS txid, to_char(l.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
            l.id, l.entity_type AS "entityType", l.entity_id AS "entityId", l.action, l.version,
            l.at AS "changedAt"
       FROM change_log l
      WHERE l.tenant_id = $1 AND (l.txid, l.at, l.id) > ($2::xid8, $3::timestamptz, $4::uuid)
        AND l.txid < $5::xid8 ${narrow}
      ORDER BY l.txid, l.at, l.id LIMIT $6`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  // A short page read everything below xmin: the next read may start there.
  const next: LogPosition = more
    ? { txid: last!.txid, at: last!.at, id: last!.id }
    : BigInt(xmin) - 1n > BigInt(last?.txid ?? position.txid)
      ? { txid: (BigInt(xmin) - 1n).toString(), at: 'infinity', id: NO_ID }
      : last
        ? { txid: last.txid, at: last.at, id: last.id }
        : position;
  return {
    more,
    position: next,
    items: page.map((row) => {
      const gone = row.action === 'DELETE';
      return {
        tenantId,
        entityType: row.entityType,
        entityId: row.entityId,
        operation: gone ? ChangeOperation.DELETE : ChangeOperation.UPSERT,
        action: row.action,
        version: row.version,
        changedAt: row.changedAt,
        deletedAt: gone ? row.changedAt : null,
      };
    }),
  };
}
