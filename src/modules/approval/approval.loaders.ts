import DataLoader from 'dataloader';
import type { RequestContext } from '../../context';
import { byIdLoader } from '../../common/loader';
import { periodsByIds, periodsOf } from './approval.periods';
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

/** Stored periods by id (`ReportingPeriod.id`), batched per request; null when hidden. */
export const periodById = (ctx: RequestContext): DataLoader<string, ReportingPeriod | null> =>
  ctx.loader('approval.periodById', () => byIdLoader((ids) => periodsByIds(ctx, ids)));
