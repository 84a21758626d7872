import type { RequestContext } from '../../context';

/**
 * The GraphQL types the changes feed and the webhooks carry. A reporting period is fed by its
 * transitions (submitted, approved, returned, unapproved), under its `ReportingPeriod.id`.
 */
export const FED_TYPES: ReadonlySet<string> = new Set([
  'Project',
  'Community',
  'Activity',
  'Measurement',
  'Indicator',
  'ReportingPeriod',
]);

/** One write as the change log needs it: what the audit entry says, plus its project. */
export type ChangeEntry = Readonly<{
  tenantId: string;
  action: string;
  entityType: string;
  entityId: string;
  /** The project whose partners may read the row (a project's own id for a project). */
  projectId?: string | null;
  version?: number | null;
  /** The row's id in the feed when `entityId` is not a UUID (a period's). */
  feedEntityId?: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Appends the fed entries to the change log in the writer's transaction, so a change row
 * (and with it the webhook event, whose outbox the change log is) exists if and only if the
 * write commits. The row's `txid` defaults to the writer's transaction id: readers stop below
 * the oldest transaction still running, so a slow writer's rows are never stepped over.
 * Called by recordAudit for every audited write; entries of other types cost nothing.
 */
export async function recordChanges(
  ctx: RequestContext,
  entries: readonly ChangeEntry[],
): Promise<void> {
  // Entries without a UUID (a period's lock exception, named by project and start) stay out.
  const fed = entries
    .map((e) => ({ ...e, entityId: e.feedEntityId ?? e.entityId }))
    .filter((e) => FED_TYPES.has(e.entityType) && UUID.test(e.entityId));
  if (fed.length === 0) return;
  const params: unknown[] = [];
  // VALUES rather than INSERT … SELECT: Citus turns the latter into a COPY, which RLS refuses.
  const tuples = fed.map((entry) => {
    params.push(
      entry.tenantId,
      entry.entityType,
      entry.entityId,
      projectOf(entry),
      entry.action,
      entry.version ?? null,
    );
    const at = params.length - 6;
    const p = (i: number) => `$${at + i}`;
    return `(${p(1)}::uuid, ${p(2)}, ${p(3)}::uuid, ${p(4)}::uuid, ${p(5)}, ${p(6)}::integer)`;
  });
  await ctx.tx.query(
    `INSERT INTO change_log (tenant_id, entity_type, entity_id, project_id, action, version)
     VALUES ${tuples.join(', ')}`,
    params,
  );
}

function projectOf(entry: ChangeEntry): string | null {
  if (entry.projectId !== undefined) return entry.projectId;
  if (entry.entityType === 'Project') return entry.entityId;
  const fromRow = entry.after?.projectId ?? entry.before?.projectId;
  return typeof fromRow === 'string' ? fromRow : null;
}
