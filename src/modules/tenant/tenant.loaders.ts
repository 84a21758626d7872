import type DataLoader from 'dataloader';
import { byIdLoader } from '../../common/loader';
import type { RequestContext } from '../../context';
import { tenantsByIds } from './tenant.service';
import type { Tenant } from './tenant.type';

export const tenantById = (ctx: RequestContext): DataLoader<string, Tenant | null> =>
  ctx.loader('tenant.byId', () => byIdLoader((ids) => tenantsByIds(ctx, ids)));
