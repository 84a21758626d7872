import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { iatiActivitiesXml } from './iati.service';

@Resolver()
export class IatiResolver {
  @Query(() => String, {
    description:
      'The tenant’s IATI 2.03 activity file (one iati-activity per project, results with published values only), the same document as GET /export/iati/{tenantCode}.xml. Checked against IATI’s rules and validated against the official schema first; CONFLICT naming each problem (an organisation without an IATI identifier, …) instead of an invalid file. Tenant and platform admins; API keys with the `iati` scope.',
  })
  iatiActivities(
    @Arg('tenantCode', { description: 'The tenant’s country code (ISO 3166-1 alpha-2), e.g. TJ.' })
    tenantCode: string,
    @Ctx() ctx: RequestContext,
  ): Promise<string> {
    return iatiActivitiesXml(ctx, tenantCode);
  }
}
