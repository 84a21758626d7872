import { Args, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { AuditEventsArgs } from './audit.inputs';
import { listAuditEvents } from './audit.service';
import { AuditEvent, AuditEventConnection } from './audit.type';

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, {
    description: 'The audit log of the tenants you administer, latest first.',
  })
  async auditEvents(@Args() args: AuditEventsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(AuditEventConnection, await listAuditEvents(ctx, args));
  }

  @FieldResolver(() => Tenant, { description: 'The tenant (country) the event belongs to.' })
  tenant(@Root() event: AuditEvent, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(event.tenantId);
  }

  @FieldResolver(() => Organisation, {
    nullable: true,
    description: 'The organisation the principal acted for, if any.',
  })
  organisation(@Root() event: AuditEvent, @Ctx() ctx: RequestContext) {
    return event.organisationId ? organisationById(ctx).load(event.organisationId) : null;
  }
}
