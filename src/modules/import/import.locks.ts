import type { RequestContext } from '../../context';
import { periodDateOf, periodLockReasons } from '../approval/approval.locks';
import type { Values } from './import.kinds';
import type { Planned } from './import.rows';

/**
 * Marks INVALID (field `period`, the reason and until when) every planned item whose period
 * refuses changes, and returns the others. Kept apart from the import's own steps so that the
 * approval module's part of it stays in one place.
 */
export async function refuseLockedPeriods<V extends Values>(
  ctx: RequestContext,
  entityType: string,
  tenantId: string,
  planned: readonly Planned<V>[],
  invalid: (index: number, field: string, message: string) => void,
): Promise<Planned<V>[]> {
  const reasons = await periodLockReasons(
    ctx,
    tenantId,
    planned.map((plan) => ({
      projectId: String(plan.values.projectId),
      date: periodDateOf(entityType, plan.values),
    })),
  );
  return planned.filter((plan, i) => {
    const reason = reasons[i];
    if (reason) invalid(plan.index, 'period', reason);
    return !reason;
  });
}
