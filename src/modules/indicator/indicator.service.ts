import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { containsPattern, param } from '../../common/sql';
import type { RequestContext } from '../../context';
import type { IndicatorsArgs } from './indicator.inputs';
import type { Indicator } from './indicator.type';

const INDICATOR_COLUMNS = `i.id, i.tenant_id AS "tenantId", i.code, i.name, i.description,
  i.unit, i.direction, i.version`;

/** Global indicators, and those of tenants the principal holds any role in. */
function visibleSql(ctx: RequestContext, params: unknown[]): string {
  const tenants = [...new Set((ctx.principal?.grants ?? []).map((g) => g.tenantId))];
  return `(i.tenant_id IS NULL OR i.tenant_id = ANY (${param(params, tenants)}::uuid[]))`;
}

export async function listIndicators(
  ctx: RequestContext,
  args: IndicatorsArgs,
): Promise<Page<Indicator>> {
  const params: unknown[] = [];
  const where = [visibleSql(ctx, params)];
  const filter = args.filter ?? {};
  if (filter.codes) where.push(`i.code = ANY (${param(params, filter.codes)}::text[])`);
  if (filter.tenantCodes) {
    where.push(
      `(i.tenant_id IS NULL OR i.tenant_id = ANY (${param(params, ctx.access.tenantIdsForCodes(filter.tenantCodes))}::uuid[]))`,
    );
  }
  if (filter.search) {
    const pattern = param(params, containsPattern(filter.search.trim()));
    where.push(`(i.name ILIKE ${pattern} OR i.code ILIKE ${pattern})`);
  }
  return fetchPage<Indicator>((sql, p) => ctx.tx.query(sql, p), {
    select: INDICATOR_COLUMNS,
    from: 'indicators i',
    where,
    params,
    sort: { column: 'i.code', cast: 'text', value: (i) => i.code },
    idColumn: 'i.id',
    direction: OrderDirection.ASC,
    first: args.first,
    after: args.after,
  });
}

export async function indicatorsByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Indicator[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Indicator>(
    `SELECT ${INDICATOR_COLUMNS} FROM indicators i WHERE i.id = ANY ($1::uuid[]) AND ${visibleSql(ctx, params)}`,
    params,
  );
}
