import type { RequestContext } from '../context';
import { param } from './sql';

/** The filters every list of a project's rows takes. */
export type ProjectRowFilter = Readonly<{
  tenantCodes?: readonly string[] | null;
  projectIds?: readonly string[] | null;
  communityIds?: readonly string[] | null;
}>;

/**
 * The conditions every list of a project's rows (activities, measurements; table alias
 * `alias`) starts with: not deleted, in a project the principal may read, and the common
 * filters. Each service adds its own.
 */
export function projectRowConditions(
  ctx: RequestContext,
  alias: string,
  filter: ProjectRowFilter,
  params: unknown[],
): string[] {
  const where = [
    `${alias}.deleted_at IS NULL`,
    ctx.access.projectVisibleSql(`${alias}.tenant_id`, `${alias}.project_id`, params),
  ];
  if (filter.tenantCodes) {
    where.push(ctx.access.tenantCodesSql(`${alias}.tenant_id`, filter.tenantCodes, params));
  }
  if (filter.projectIds) {
    where.push(`${alias}.project_id = ANY (${param(params, filter.projectIds)}::uuid[])`);
  }
  if (filter.communityIds) {
    where.push(`${alias}.community_id = ANY (${param(params, filter.communityIds)}::uuid[])`);
  }
  return where;
}
