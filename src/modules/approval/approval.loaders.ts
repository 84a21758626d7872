import DataLoader from 'dataloader';
import type { RequestContext } from '../../context';
import { periodsOf } from './approval.periods';
import type { ReportingPeriod } from './approval.type';

/** The period holding a row's date in its project, batched per request. */
export const periodOfRow = (
  ctx: RequestContext,
): DataLoader<{ projectId: string; date: string }, ReportingPeriod | null, string> =>
  ctx.loader(
    'approval.periodOfRow',
    () =>
      new DataLoader<{ projectId: string; date: string }, ReportingPeriod | null, string>(
        (refs) => periodsOf(ctx, refs),
        { cacheKeyFn: (r) => `${r.projectId}:${r.date}` },
      ),
  );
