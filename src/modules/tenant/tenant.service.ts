import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import type { RequestContext } from '../../context';
import type { Tenant } from './tenant.type';

const TENANT_COLUMNS = `t.id, t.code, t.name, t.default_locale AS "defaultLocale", t.timezone,
  t.source_language AS "sourceLanguage"`;

export async function listTenants(
  ctx: RequestContext,
  page: { first?: number | null; after?: string | null },
): Promise<Page<Tenant>> {
  return fetchPage<Tenant>(ctx, {
    select: TENANT_COLUMNS,
    from: 'tenants t',
    where: ['t.id = ANY ($1::uuid[])'],
    params: [ctx.access.grantedTenantIds],
    sort: { column: 't.code', cast: 'text', value: (row) => row.code },
    idColumn: 't.id',
    direction: OrderDirection.ASC,
    ...page,
  });
}

export async function tenantsByIds(ctx: RequestContext, ids: readonly string[]): Promise<Tenant[]> {
  return ctx.tx.query<Tenant>(
    `SELECT ${TENANT_COLUMNS} FROM tenants t WHERE t.id = ANY ($1::uuid[]) AND t.id = ANY ($2::uuid[])`,
    [ids, ctx.access.grantedTenantIds],
  );
}

export async function tenantByCode(ctx: RequestContext, code: string): Promise<Tenant | null> {
  const [row] = await ctx.tx.query<Tenant>(
    `SELECT ${TENANT_COLUMNS} FROM tenants t WHERE t.code = $1 AND t.id = ANY ($2::uuid[])`,
    [code.toUpperCase(), ctx.access.grantedTenantIds],
  );
  return row ?? null;
}
