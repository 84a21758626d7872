import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { containsPattern, param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { ProjectOrderField, type ProjectsArgs } from './project.inputs';
import type { Project } from './project.type';

export const PROJECT_COLUMNS = `p.tenant_id AS "tenantId", p.id, p.code, p.name, p.description,
  p.status, p.start_date AS "startDate", p.end_date AS "endDate", p.version,
  p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

const SORTS = {
  [ProjectOrderField.NAME]: { column: 'p.name', cast: 'text', value: (p: Project) => p.name },
  [ProjectOrderField.CODE]: { column: 'p.code', cast: 'text', value: (p: Project) => p.code },
  [ProjectOrderField.START_DATE]: {
    column: 'p.start_date',
    cast: 'date',
    value: (p: Project) => p.startDate,
  },
  [ProjectOrderField.CREATED_AT]: {
    column: 'p.created_at',
    cast: 'timestamptz',
    value: (p: Project) => p.createdAt,
  },
};

export async function listProjects(
  ctx: RequestContext,
  args: ProjectsArgs,
): Promise<Page<Project>> {
  const params: unknown[] = [];
  const where = [ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params)];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(
      `p.tenant_id = ANY (${param(params, ctx.access.tenantIdsForCodes(filter.tenantCodes))}::uuid[])`,
    );
  }
  if (filter.status) where.push(`p.status = ANY (${param(params, filter.status)}::text[])`);
  if (filter.organisationIds) {
    where.push(`EXISTS (SELECT 1 FROM project_organisations fo WHERE fo.tenant_id = p.tenant_id
      AND fo.project_id = p.id AND fo.organisation_id = ANY (${param(params, filter.organisationIds)}::uuid[]))`);
  }
  if (filter.search) {
    const pattern = param(params, containsPattern(filter.search.trim()));
    where.push(`(p.name ILIKE ${pattern} OR p.code ILIKE ${pattern})`);
  }
  const order = args.orderBy ?? { field: ProjectOrderField.NAME, direction: OrderDirection.ASC };
  return fetchPage<Project>((sql, p) => ctx.tx.query(sql, p), {
    select: PROJECT_COLUMNS,
    from: 'projects p',
    where,
    params,
    sort: SORTS[order.field],
    idColumn: 'p.id',
    direction: order.direction,
    first: args.first,
    after: args.after,
  });
}

/** Visible projects by id, in any tenant the principal reads. */
export async function projectsByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Project[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Project>(
    `SELECT ${PROJECT_COLUMNS} FROM projects p
     WHERE p.id = ANY ($1::uuid[]) AND ${ctx.access.projectVisibleSql('p.tenant_id', 'p.id', params)}`,
    params,
  );
}

export type ProjectOrganisationLink = { projectId: string; organisationId: string; role: string };

/** Implementer, donor and partner links of the given projects. */
export async function organisationLinks(
  ctx: RequestContext,
  projects: readonly { tenantId: string; id: string }[],
): Promise<ProjectOrganisationLink[]> {
  return ctx.tx.query<ProjectOrganisationLink>(
    `SELECT po.project_id AS "projectId", po.organisation_id AS "organisationId", po.role
     FROM project_organisations po
     JOIN unnest($1::uuid[], $2::uuid[]) AS k (tenant_id, id)
       ON po.tenant_id = k.tenant_id AND po.project_id = k.id
     ORDER BY po.role, po.organisation_id`,
    [projects.map((p) => p.tenantId), projects.map((p) => p.id)],
  );
}
