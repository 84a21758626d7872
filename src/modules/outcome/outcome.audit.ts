import { PrincipalKind, Role } from '../../auth/principal';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import type { OutcomeFilter } from './outcome.inputs';

/**
 * The SQL expression that records an aggregate read in each tenant it drew on, with the
 * agreement it was read under, its parameters appended to `params`; null when no agreement
 * governs the read. The caller evaluates it in the statement that reads the cells, so the read
 * and its record cannot part (and cost one round trip). Through the SECURITY DEFINER function
 * record_aggregate_read: the audit log's policy would refuse the analyst's own INSERT, since
 * RLS gives it no tenant.
 */
export function aggregateReadAuditSql(
  ctx: RequestContext,
  pairs: readonly { tenantId: string; agreementId: string | null }[],
  filter: OutcomeFilter | Record<string, never>,
  groupBy: readonly string[],
  params: unknown[],
): string | null {
  const principal = ctx.principal!;
  const reads = new Map<string, { tenantId: string; agreementId: string }>();
  for (const { tenantId, agreementId } of pairs) {
    if (agreementId) reads.set(`${tenantId}:${agreementId}`, { tenantId, agreementId });
  }
  if (reads.size === 0) return null;
  const values = [
    [...reads.values()].map((r) => r.tenantId),
    [...reads.values()].map((r) => r.agreementId),
    ctx.requestId,
    principal.kind === PrincipalKind.USER ? 'USER' : 'API_KEY',
    principal.id,
    principal.organisationId ?? organisationOf(ctx, [...reads.values()][0]!.tenantId),
    JSON.stringify({ operation: 'outcomeSummaries', filter, groupBy }),
  ];
  const [tenants, agreements, requestId, kind, id, organisation, details] = values.map((v) =>
    param(params, v),
  );
  return `record_aggregate_read(${tenants}::uuid[], ${agreements}::uuid[], ${requestId}, ${kind}, ${id}, ${organisation}, ${details}::jsonb)`;
}

/** A user acts through its analyst membership's organisation in the tenant. */
function organisationOf(ctx: RequestContext, tenantId: string): string | null {
  return (
    ctx.principal?.grants.find((g) => g.tenantId === tenantId && g.role === Role.AGGREGATE_ANALYST)
      ?.organisationId ?? null
  );
}
