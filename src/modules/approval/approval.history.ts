import DataLoader from 'dataloader';
import type { RequestContext } from '../../context';
import { periodsOf } from './approval.periods';
import type { HistoryEntry } from './approval.type';

/*
 * A record's history: its own entries in the audit log (read through record_history, which
 * lets whoever reads the record read them: migrations/*approval-and-locks*), and the state
 * changes of the period it lies in, each with its comment. Oldest first.
 */

type RowRef = { tenantId: string; id: string; projectId: string; date: string };

type AuditRow = {
  entityId: string;
  at: Date;
  action: string;
  principalKind: string;
  principalId: string;
  organisationId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
};

const ACTOR_PREFIX: Readonly<Partial<Record<string, string>>> = {
  USER: 'user',
  API_KEY: 'apikey',
};

/** The history of activities or measurements, batched per request. */
export const recordHistory = (
  ctx: RequestContext,
  entityType: 'Activity' | 'Measurement',
): DataLoader<RowRef, HistoryEntry[], string> =>
  ctx.loader(
    `approval.history.${entityType}`,
    () =>
      new DataLoader<RowRef, HistoryEntry[], string>(
        async (records) => {
          const [audit, periods] = await Promise.all([
            ctx.tx.query<AuditRow>(
              `SELECT entity_id AS "entityId", occurred_at AS at, action,
                      principal_kind AS "principalKind", principal_id AS "principalId",
                      organisation_id AS "organisationId", before, after
                 FROM record_history($1, $2::uuid[])`,
              [entityType, records.map((r) => r.id)],
            ),
            periodsOf(
              ctx,
              records.map((r) => ({ projectId: r.projectId, date: r.date })),
            ),
          ]);
          return records.map((record, i) => {
            const own: HistoryEntry[] = audit
              .filter((row) => row.entityId === record.id)
              .map((row) => ({
                at: row.at,
                action: row.action,
                actor: `${ACTOR_PREFIX[row.principalKind] ?? 'system'}:${row.principalId}`,
                organisationId: row.organisationId,
                before: row.before,
                after: row.after,
                comment: null,
              }));
            const transitions: HistoryEntry[] = (periods[i]?.history ?? []).map((t) => ({
              at: t.at,
              action: `PERIOD_${t.action}`,
              actor: t.actor,
              organisationId: t.organisationId,
              before: { state: t.fromState },
              after: { state: t.toState },
              comment: t.comment,
            }));
            return [...own, ...transitions].sort((a, b) => a.at.getTime() - b.at.getTime());
          });
        },
        { cacheKeyFn: (r) => `${r.tenantId}:${r.id}` },
      ),
  );
