import { Router } from 'express';
import {
  type ContextDeps,
  authenticatedRoute,
  withRequestContext,
} from '../../http/authenticated-route';
import { badUserInput } from '../../common/errors';
import { iatiActivitiesXml } from './iati.service';

/** GET /export/iati/{tenantCode}.xml: the tenant's IATI file, as `iatiActivities` returns it. */
export function iatiRouter(deps: ContextDeps): Router {
  const router = Router();
  router.get(
    '/export/iati/:file',
    ...withRequestContext(deps),
    authenticatedRoute(async (ctx, req) => {
      const match = /^([A-Za-z]{2})\.xml$/.exec(String(req.params.file));
      if (!match)
        throw badUserInput('tenantCode', 'Ask for /export/iati/{tenantCode}.xml, e.g. TJ.xml');
      const code = match[1]!.toUpperCase();
      return {
        type: 'application/xml; charset=utf-8',
        body: await iatiActivitiesXml(ctx, code),
        filename: `iati-activities-${code}.xml`,
      };
    }),
  );
  return router;
}
