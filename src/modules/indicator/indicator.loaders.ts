import type DataLoader from 'dataloader';
import { byIdLoader } from '../../common/loader';
import type { RequestContext } from '../../context';
import { indicatorsByIds } from './indicator.service';
import type { Indicator } from './indicator.type';

export const indicatorById = (ctx: RequestContext): DataLoader<string, Indicator | null> =>
  ctx.loader('indicator.byId', () => byIdLoader((ids) => indicatorsByIds(ctx, ids)));
