import { Capability } from '../../auth/access';
import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { recordChanges } from '../changes/change-log';
import type { AuditEventsArgs } from './audit.inputs';
import type { AuditEvent } from './audit.type';

/** What was done to which row; the service adds who, when and in which request. */
export type AuditEntry = Readonly<{
  tenantId: string;
  /** CREATE, UPDATE, DELETE, RESTORE. */
  action: string;
  /** The GraphQL type name of the row: Project, Activity, … */
  entityType: string;
  entityId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /**
   * The organisation the write was made for (an activity's recording organisation); when
   * absent, the principal's organisation in the tenant.
   */
  organisationId?: string | null;
  details?: Record<string, unknown> | null;
  /** For the changes feed: the row's project (when the diff may not name it) and version. */
  projectId?: string | null;
  version?: number | null;
  /**
   * For the changes feed: the row's id there, when `entityId` is not one (a period's audit
   * entries name it by project and start; the feed by `ReportingPeriod.id`).
   */
  feedEntityId?: string;
}>;

/**
 * Appends entries to the audit log through the request's own transaction, so an entry
 * commits with its write or not at all, and a write cannot commit without its entry. One
 * statement for any number of entries (a bulk import writes hundreds).
 */
export async function recordAudit(
  ctx: RequestContext,
  ...entries: readonly AuditEntry[]
): Promise<void> {
  const principal = ctx.principal;
  if (!principal || entries.length === 0) return;
  // Shared values first, then eight per entry. VALUES rather than INSERT … SELECT: Citus turns
  // the latter into a COPY to the shards, which row-level security refuses.
  const params: unknown[] = [
    ctx.requestId,
    ctx.record.clientRequestId,
    principal.kind,
    principal.id,
  ];
  const tuples = entries.map((entry) => {
    const at = params.length;
    params.push(
      entry.tenantId,
      entry.organisationId !== undefined
        ? entry.organisationId
        : ctx.access.organisationIn(entry.tenantId),
      entry.action,
      entry.entityType,
      entry.entityId,
      jsonOrNull(entry.before),
      jsonOrNull(entry.after),
      jsonOrNull(entry.details),
    );
    const p = (i: number) => `$${at + i}`;
    return `(${p(1)}::uuid, $1, $2, $3, $4, ${p(2)}::uuid, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}::jsonb, ${p(7)}::jsonb, ${p(8)}::jsonb)`;
  });
  await ctx.tx.query(
    `INSERT INTO audit_events (tenant_id, request_id, client_request_id, principal_kind,
       principal_id, organisation_id, action, entity_type, entity_id, before, after, details)
     VALUES ${tuples.join(', ')}`,
    params,
  );
  // The same writes, in the same transaction, for the changes feed and the webhooks.
  await recordChanges(ctx, entries);
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * The fields that differ between two versions of a row, as { before, after } holding only
 * those fields; for a creation (no before) or a deletion (no after) the whole other side.
 */
export function auditDiff(
  beforeRow: object | null,
  afterRow: object | null,
): { before: Record<string, unknown> | null; after: Record<string, unknown> | null } {
  const before = beforeRow as Record<string, unknown> | null;
  const after = afterRow as Record<string, unknown> | null;
  if (!before || !after) return { before: before && plain(before), after: after && plain(after) };
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (IGNORED.has(key)) continue;
    if (JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null)) {
      b[key] = before[key] ?? null;
      a[key] = after[key] ?? null;
    }
  }
  return { before: b, after: a };
}

/** Bookkeeping columns every write changes; the audit row's own time and principal say it. */
const IGNORED = new Set(['version', 'updatedAt', 'createdAt', 'tenantId']);

function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !IGNORED.has(key)));
}

const AUDIT_COLUMNS = `e.tenant_id AS "tenantId", e.id, e.occurred_at AS "occurredAt",
  e.request_id AS "requestId", e.client_request_id AS "clientRequestId",
  e.principal_kind AS "principalKind",
  e.principal_id AS "principalId", e.organisation_id AS "organisationId", e.action,
  e.entity_type AS "entityType", e.entity_id AS "entityId", e.before, e.after, e.details`;

/** The audit log of the tenants the principal administers, latest first. */
export async function listAuditEvents(
  ctx: RequestContext,
  args: AuditEventsArgs,
): Promise<Page<AuditEvent>> {
  const params: unknown[] = [];
  const where = [ctx.access.tenantScopeSql(Capability.ADMIN, 'e.tenant_id', params)];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(ctx.access.tenantCodesSql('e.tenant_id', filter.tenantCodes, params));
  }
  if (filter.entityTypes) {
    where.push(`e.entity_type = ANY (${param(params, filter.entityTypes)}::text[])`);
  }
  if (filter.entityId) where.push(`e.entity_id = ${param(params, filter.entityId)}`);
  if (filter.actions) where.push(`e.action = ANY (${param(params, filter.actions)}::text[])`);
  if (filter.from) where.push(`e.occurred_at >= ${param(params, filter.from)}::timestamptz`);
  if (filter.to) where.push(`e.occurred_at < ${param(params, filter.to)}::timestamptz`);
  return fetchPage<AuditEvent>(ctx, {
    select: AUDIT_COLUMNS,
    from: 'audit_events e',
    where,
    params,
    sort: { column: 'e.occurred_at', cast: 'timestamptz', value: (e) => e.occurredAt },
    idColumn: 'e.id',
    direction: OrderDirection.DESC,
    first: args.first,
    after: args.after,
  });
}
