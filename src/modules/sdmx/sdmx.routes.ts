import { Router } from 'express';
import {
  type ContextDeps,
  authenticatedRoute,
  withRequestContext,
} from '../../http/authenticated-route';
import { outcomesSdmxCsv, SDMX_CSV_TYPE, sdmxArguments } from './sdmx.service';

/**
 * GET /export/outcomes.csv?groupBy=TENANT,YEAR&tenants=TJ&labels=both: outcomeSummaries as
 * SDMX-CSV 2.0, with outcomeSummaries' arguments as query parameters (lists comma-separated).
 */
export function sdmxRouter(deps: ContextDeps): Router {
  const router = Router();
  router.get(
    '/export/outcomes.csv',
    ...withRequestContext(deps),
    authenticatedRoute(async (ctx, req) => {
      const { args, labels } = await sdmxArguments(req.query);
      return {
        type: SDMX_CSV_TYPE,
        body: await outcomesSdmxCsv(ctx, args, labels),
        filename: 'outcomes.csv',
      };
    }),
  );
  return router;
}
