import { Capability } from '../../auth/access';
import { AGREEMENTS_IN_FORCE_SQL, type AgreementInForce } from '../../auth/authenticate';
import type { Grant } from '../../auth/principal';
import { badUserInput, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import { OutcomeDimension, type OutcomeSummariesArgs } from './outcome.inputs';

/*
 * Which cells a request for outcome summaries reads, and under which rules (see the outcome
 * service for the whole design): the (tenant, indicator) pairs, whether the read is governed
 * by sharing agreements, and the refusals with a clear message of what the database would
 * refuse anyway.
 *
 * Filters that select arbitrary subsets (projects, communities, settlement, dates) are refused
 * in governed reads: a difference of two totals over overlapping subsets of the analyst's
 * choosing narrows a cell. Groupings give the same breakdowns safely.
 */

const GEOGRAPHIC_FILTERS = ['projectIds', 'communityIds', 'settlement', 'from', 'to'] as const;

/** One (tenant, indicator) pair to read. */
type Pair = { tenantId: string; indicatorId: string; code: string };

type Agreement = AgreementInForce;

export type Plan = {
  pairs: Pair[];
  /** Agreements (or a preview) govern the request: suppressed, perturbed, restricted. */
  governed: boolean;
  /** A reader of rows previewing: governed, not audited. */
  preview: boolean;
  /** The agreement the caller chose (analysts) or previews (admins). */
  agreementId: string | null;
};

/** Which (tenant, indicator) pairs the caller reads, and under which rules. */
export async function planRequest(
  ctx: RequestContext,
  args: OutcomeSummariesArgs,
  dimensions: readonly OutcomeDimension[],
): Promise<Plan> {
  const access = ctx.access;
  const grants = access.principal?.grants ?? [];
  const requested = args.filter?.tenants ? tenantIdsOf(grants, args.filter.tenants) : null;
  const codes = args.filter?.indicatorCodes ?? null;

  if (args.preview && args.agreementId) {
    const agreement = await administeredAgreement(ctx, args.agreementId);
    if (requested && requested.some((id) => id !== agreement.tenantId)) {
      throw badUserInput('filter.tenants', 'A preview covers the tenant of its agreement only');
    }
    return {
      pairs: pairsUnder([agreement], [agreement.tenantId], codes, dimensions, true),
      governed: true,
      preview: true,
      agreementId: agreement.id,
    };
  }

  const readable = new Set(access.readableTenantIds);
  const viaAgreement = access.agreementGrants.filter((g) => !readable.has(g.tenantId));
  const rowTenants = [...readable].filter((id) => !requested || requested.includes(id));
  const agreementTenants = [...new Set(viaAgreement.map((g) => g.tenantId))].filter(
    (id) => !requested || requested.includes(id),
  );
  const unreachable = (requested ?? []).filter(
    (id) => !rowTenants.includes(id) && !agreementTenants.includes(id),
  );
  if (unreachable.length > 0) throw forbidden('You may not read aggregates of these tenants');

  const rowRead = async (): Promise<Plan> => ({
    pairs: rowTenants.length > 0 ? await rowPairs(ctx, rowTenants, codes) : [],
    governed: args.preview,
    preview: args.preview,
    agreementId: null,
  });
  if (agreementTenants.length === 0) {
    if (args.agreementId) {
      throw badUserInput(
        'agreementId',
        'agreementId applies to previews (preview: true) and to aggregate analysts',
      );
    }
    return rowRead();
  }

  const inForce = (await agreementsInForce(ctx)).filter(
    (a) => !args.agreementId || a.id === args.agreementId,
  );
  if (args.agreementId && inForce.length === 0) {
    throw forbidden('That sharing agreement is not in force for your organisation');
  }
  const explicit = requested !== null;
  if (!explicit && rowTenants.length > 0) {
    if (!inForce.some((a) => agreementTenants.includes(a.tenantId)) && !args.agreementId) {
      // Nothing is shared with this caller elsewhere; what it reads row by row is its own.
      return rowRead();
    }
    throw badUserInput(
      'filter.tenants',
      'You read some tenants row by row and others only under a sharing agreement: name the tenants, and ask for the two kinds apart',
    );
  }
  // Governed: every tenant of the request, a tenant read row by row included, is read under
  // an agreement, or the request is refused.
  const rowOnly = rowTenants.filter((id) => !inForce.some((a) => a.tenantId === id));
  if (rowOnly.length > 0) {
    throw forbidden(
      `You read ${codesOf(grants, rowOnly).join(', ')} row by row, but no sharing agreement shares it with you: a summary never mixes exact and protected data, so ask for it apart from the tenants shared with you`,
    );
  }
  const tenants = explicit
    ? [...rowTenants, ...agreementTenants]
    : agreementTenants.filter((id) => inForce.some((a) => a.tenantId === id));
  const shared = pairsUnder(inForce, tenants, codes, dimensions, explicit);
  if (shared.length === 0) {
    throw forbidden(
      'No sharing agreement in force for your organisation covers these indicators and groupings',
    );
  }
  const missing = (codes ?? []).filter((code) => !shared.some((p) => p.code === code));
  if (missing.length > 0) {
    throw forbidden(`No sharing agreement in force shares ${missing.join(', ')}`);
  }
  const recipients = new Set(
    inForce
      .filter((a) =>
        shared.some((p) => p.tenantId === a.tenantId && a.indicatorIds.includes(p.indicatorId)),
      )
      .map((a) => a.recipientOrganisationId),
  );
  if (recipients.size > 1 && !args.agreementId) {
    // One principal acting for several organisations: ask for one at a time.
    throw badUserInput(
      'agreementId',
      'You hold agreements for more than one organisation: choose one with agreementId',
    );
  }
  return { pairs: shared, governed: true, preview: false, agreementId: args.agreementId ?? null };
}

/**
 * The pairs agreements allow in these tenants: each indicator that an agreement covering the
 * request's groupings shares there (the database picks, among them, the strictest). `strict`:
 * a tenant or a wanted indicator left uncovered is FORBIDDEN; otherwise it is left out.
 */
function pairsUnder(
  agreements: readonly Agreement[],
  tenants: readonly string[],
  codes: readonly string[] | null,
  dimensions: readonly OutcomeDimension[],
  strict: boolean,
): Pair[] {
  const pairs: Pair[] = [];
  for (const tenantId of tenants) {
    const ofTenant = agreements.filter((a) => a.tenantId === tenantId);
    if (ofTenant.length === 0 && strict) {
      throw forbidden('No sharing agreement in force for your organisation covers this tenant');
    }
    const covering = ofTenant.filter((a) => dimensions.every((d) => a.allowedGroupBy.includes(d)));
    if (covering.length === 0 && ofTenant.length > 0 && strict) {
      throw forbidden(`The sharing agreement does not allow grouping by ${dimensions.join(', ')}`);
    }
    const wanted =
      codes ??
      [...new Set(covering.flatMap((a) => a.indicatorCodes))].sort((a, b) => (a < b ? -1 : 1));
    for (const code of wanted) {
      const agreement = covering.find((a) => a.indicatorCodes.includes(code));
      if (!agreement) {
        if (strict) throw forbidden(`No sharing agreement in force shares ${code} here`);
        continue;
      }
      pairs.push({
        tenantId,
        code,
        indicatorId: agreement.indicatorIds[agreement.indicatorCodes.indexOf(code)]!,
      });
    }
  }
  return pairs;
}

/** Refuses what agreements never share: community detail and filters that isolate subsets. */
export function checkGovernedRequest(
  filter: NonNullable<OutcomeSummariesArgs['filter']>,
  dimensions: readonly OutcomeDimension[],
): void {
  if (dimensions.includes(OutcomeDimension.COMMUNITY)) {
    throw forbidden('Aggregates shared under an agreement are never broken down by community');
  }
  for (const name of GEOGRAPHIC_FILTERS) {
    const value = filter[name];
    if (value !== null && value !== undefined) {
      throw forbidden(
        `The filter ${name} is not available under a sharing agreement: group by a dimension instead`,
      );
    }
  }
}

/** Tenant ids for codes among the principal's grants; a code outside them is FORBIDDEN. */
function tenantIdsOf(grants: readonly Grant[], codes: readonly string[]): string[] {
  const byCode = new Map(grants.map((g) => [g.tenantCode, g.tenantId]));
  const ids = codes.map((code) => byCode.get(code.trim().toUpperCase()));
  if (ids.some((id) => id === undefined)) {
    throw forbidden('You may not read aggregates of these tenants');
  }
  return [...new Set(ids as string[])];
}

/** The codes of tenant ids among the principal's grants, for messages. */
function codesOf(grants: readonly Grant[], tenantIds: readonly string[]): string[] {
  return tenantIds.map((id) => grants.find((g) => g.tenantId === id)?.tenantCode ?? id);
}

/** Every visible indicator (global, or the tenant's own) in each tenant. */
async function rowPairs(
  ctx: RequestContext,
  tenantIds: readonly string[],
  codes: readonly string[] | null,
): Promise<Pair[]> {
  return ctx.tx.query<Pair>(
    `SELECT t.id AS "tenantId", i.id AS "indicatorId", i.code
       FROM tenants t JOIN indicators i ON i.tenant_id IS NULL OR i.tenant_id = t.id
      WHERE t.id = ANY ($1::uuid[]) AND ($2::text[] IS NULL OR i.code = ANY ($2::text[]))`,
    [tenantIds, codes],
  );
}

/**
 * The agreements in force for the principal's aggregate grants, as the database sees them:
 * read by the request's opening round trip (so a summary is one statement more), or here when
 * it did not.
 */
async function agreementsInForce(ctx: RequestContext): Promise<readonly Agreement[]> {
  return ctx.agreementsInForce ?? ctx.tx.query<Agreement>(AGREEMENTS_IN_FORCE_SQL);
}

/** An agreement of a tenant the caller administers, for a preview; NOT_FOUND otherwise. */
async function administeredAgreement(ctx: RequestContext, id: string): Promise<Agreement> {
  const params: unknown[] = [id];
  const administered = ctx.access.tenantScopeSql(Capability.ADMIN, 'a.tenant_id', params);
  const [row] = await ctx.tx.query<Agreement>(
    `SELECT a.tenant_id AS "tenantId", a.id, a.recipient_organisation_id AS "recipientOrganisationId",
            ARRAY(SELECT i.id FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code)
              AS "indicatorIds",
            ARRAY(SELECT i.code FROM indicators i WHERE i.id = ANY (a.indicator_ids) ORDER BY i.code)
              AS "indicatorCodes",
            a.allowed_group_by AS "allowedGroupBy"
       FROM sharing_agreements a
      WHERE a.id = $1 AND ${administered}`,
    params,
  );
  if (!row) throw notFound('Sharing agreement');
  return row;
}
