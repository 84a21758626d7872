import { PrincipalKind, Role } from '../../auth/principal';
import type { RequestContext } from '../../context';
import type { OutcomeFilter } from './outcome.inputs';

/**
 * Records an aggregate read in each tenant it drew on, with the agreement it was read under,
 * in the request's transaction (the read and its record commit together). Through the
 * SECURITY DEFINER function record_aggregate_read: the audit log's policy would refuse the
 * analyst's own INSERT, since RLS gives it no tenant. Kept to this one call so that it can
 * move to the shared audit service (src/modules/audit) when that lands.
 */
export async function recordAggregateRead(
  ctx: RequestContext,
  pairs: readonly { tenantId: string; agreementId: string | null }[],
  filter: OutcomeFilter | Record<string, never>,
  groupBy: readonly string[],
): Promise<void> {
  const principal = ctx.principal!;
  const reads = new Map<string, { tenantId: string; agreementId: string }>();
  for (const { tenantId, agreementId } of pairs) {
    if (agreementId) reads.set(`${tenantId}:${agreementId}`, { tenantId, agreementId });
  }
  if (reads.size === 0) return;
  await ctx.tx.query(
    `SELECT record_aggregate_read($1::uuid[], $2::uuid[], $3, $4, $5, $6, $7::jsonb)`,
    [
      [...reads.values()].map((r) => r.tenantId),
      [...reads.values()].map((r) => r.agreementId),
      ctx.requestId,
      principal.kind === PrincipalKind.USER ? 'USER' : 'API_KEY',
      principal.id,
      principal.organisationId ?? organisationOf(ctx, [...reads.values()][0]!.tenantId),
      JSON.stringify({ operation: 'outcomeSummaries', filter, groupBy }),
    ],
  );
}

/** A user acts through its analyst membership's organisation in the tenant. */
function organisationOf(ctx: RequestContext, tenantId: string): string | null {
  return (
    ctx.principal?.grants.find((g) => g.tenantId === tenantId && g.role === Role.AGGREGATE_ANALYST)
      ?.organisationId ?? null
  );
}
