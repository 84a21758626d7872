import { Capability } from '../../auth/access';
import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { badUserInput, conflict } from '../../common/errors';
import { adminTenantOf, existingOrganisations } from '../../common/write-scope';
import { checkDateOrder, notNull, trimmed } from '../../common/validation';
import {
  assignments,
  rowToWrite,
  versionedDelete,
  versionedUpdate,
} from '../../common/versioned-write';
import type { DeleteRowInput } from '../../common/write-inputs';
import { auditDiff, recordAudit } from '../audit/audit.service';
import { containsPattern, param, updatedSinceSql } from '../../common/sql';
import type { RequestContext } from '../../context';
import {
  type CreateProjectInput,
  ProjectOrderField,
  type ProjectsArgs,
  type UpdateProjectInput,
} from './project.inputs';
import type { Project } from './project.type';
import { PROJECT_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { textMatchesSql } from '../translation/translation.search';
import { sourceLanguageFor } from '../translation/translation.service';

export const PROJECT_COLUMNS = `p.tenant_id AS "tenantId", p.id, p.code, p.name, p.description,
  p.status, p.start_date AS "startDate", p.end_date AS "endDate", p.version,
  p.created_at AS "createdAt", p.updated_at AS "updatedAt", p.source_language AS "sourceLanguage"`;

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
  [ProjectOrderField.UPDATED_AT]: {
    column: 'p.updated_at',
    cast: 'timestamptz',
    value: (p: Project) => p.updatedAt,
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
    where.push(ctx.access.tenantCodesSql('p.tenant_id', filter.tenantCodes, params));
  }
  if (filter.status) where.push(`p.status = ANY (${param(params, filter.status)}::text[])`);
  if (filter.organisationIds) {
    // Uncorrelated, its tenants named: Citus routes it (see Access.readableTenantSql).
    where.push(`(p.tenant_id, p.id) IN (SELECT fo.tenant_id, fo.project_id FROM project_organisations fo
      WHERE ${ctx.access.readableTenantSql('fo.tenant_id', params)}
        AND fo.organisation_id = ANY (${param(params, filter.organisationIds)}::uuid[]))`);
  }
  if (filter.search) {
    const pattern = param(params, containsPattern(filter.search.trim()));
    const name = textMatchesSql(
      PROJECT_TEXTS,
      'p',
      TranslatedField.NAME,
      filter.search,
      params,
      ctx.access,
    );
    where.push(`(${name} OR p.code ILIKE ${pattern})`);
  }
  if (filter.updatedSince) where.push(updatedSinceSql('p', filter.updatedSince, params));
  const order = args.orderBy ?? { field: ProjectOrderField.NAME, direction: OrderDirection.ASC };
  return fetchPage<Project>(ctx, {
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

export async function createProject(
  ctx: RequestContext,
  input: CreateProjectInput,
): Promise<Project> {
  const tenantId = adminTenantOf(ctx, input.tenantCode);
  checkDateOrder(input.startDate, input.endDate, 'endDate', 'startDate');
  const implementer = input.implementerOrganisationId ?? ctx.access.organisationIn(tenantId);
  const links = [
    ...(implementer ? [[implementer, 'IMPLEMENTER', 'implementerOrganisationId']] : []),
    ...(input.donorOrganisationIds ?? []).map((id) => [id, 'DONOR', 'donorOrganisationIds']),
    ...(input.partnerOrganisationIds ?? []).map((id) => [id, 'PARTNER', 'partnerOrganisationIds']),
  ] as [string, string, string][];
  const known = await existingOrganisations(
    ctx,
    links.map(([id]) => id),
  );
  const unknown = links.find(([id]) => !known.has(id));
  if (unknown) throw badUserInput(unknown[2], `Organisation ${unknown[0]} does not exist`);

  const sourceLanguage = await sourceLanguageFor(ctx, tenantId, input.sourceLanguage);
  const [project] = await ctx.tx.query<Project>(
    `INSERT INTO projects AS p (tenant_id, code, name, description, status, start_date, end_date,
       created_by, updated_by, source_language)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
     RETURNING ${PROJECT_COLUMNS}`,
    [
      tenantId,
      trimmed(input.code),
      trimmed(input.name),
      trimmed(input.description) ?? null,
      input.status,
      input.startDate,
      input.endDate ?? null,
      ctx.access.actor,
      sourceLanguage,
    ],
  );
  await ctx.tx.query(
    `INSERT INTO project_organisations (tenant_id, project_id, organisation_id, role)
     SELECT $1, $2, o, r FROM unnest($3::uuid[], $4::text[]) AS l (o, r) ON CONFLICT DO NOTHING`,
    [tenantId, project!.id, links.map(([id]) => id), links.map(([, role]) => role)],
  );
  const communityIds = [...new Set(input.communityIds ?? [])];
  if (communityIds.length > 0) {
    const linked = await ctx.tx.query(
      // Aliased: Citus deparses an unqualified RETURNING column on a shard as
      // `project_communities.…`, which is no name there ("missing FROM-clause entry").
      `INSERT INTO project_communities AS pc (tenant_id, project_id, community_id)
       SELECT c.tenant_id, $2, c.id FROM communities c WHERE c.tenant_id = $1 AND c.id = ANY ($3::uuid[])
       RETURNING pc.community_id`,
      [tenantId, project!.id, communityIds],
    );
    if (linked.length !== communityIds.length) {
      throw badUserInput('communityIds', 'Every community must exist in the same tenant');
    }
  }
  await recordAudit(ctx, {
    tenantId,
    action: 'CREATE',
    entityType: 'Project',
    entityId: project!.id,
    ...auditDiff(null, {
      ...project!,
      organisations: links.map(([organisationId, role]) => ({ organisationId, role })),
      communityIds,
    }),
  });
  return project!;
}

/** A project of a tenant the principal administers, for writing. */
async function projectToWrite(
  ctx: RequestContext,
  id: string,
  expectedVersion: number,
): Promise<Project> {
  const params: unknown[] = [id];
  const writable = ctx.access.tenantScopeSql(Capability.TENANT_WRITE, 'p.tenant_id', params);
  const [row] = await ctx.tx.query<Project>(
    `SELECT ${PROJECT_COLUMNS} FROM projects p WHERE p.id = $1 AND ${writable}`,
    params,
  );
  return rowToWrite(
    row,
    'Project',
    expectedVersion,
    async () => (await projectsByIds(ctx, [id])).length > 0,
  );
}

export async function updateProject(
  ctx: RequestContext,
  input: UpdateProjectInput,
): Promise<Project> {
  const current = await projectToWrite(ctx, input.id, input.expectedVersion);
  const startDate = notNull(input.startDate, 'startDate') ?? current.startDate;
  const endDate = input.endDate === undefined ? current.endDate : input.endDate;
  checkDateOrder(startDate, endDate, 'endDate', 'startDate');
  if (startDate !== current.startDate || endDate !== current.endDate) {
    // Rows recorded for the project must stay within its span.
    const [outside] = await ctx.tx.query<{ field: string }>(
      `SELECT CASE WHEN d < $3::date THEN 'startDate' ELSE 'endDate' END AS field FROM (
         SELECT start_date AS d FROM activities WHERE tenant_id = $1 AND project_id = $2 AND deleted_at IS NULL
           AND (start_date < $3::date OR coalesce(end_date, start_date) > $4::date)
         UNION ALL
         SELECT measured_on FROM measurements WHERE tenant_id = $1 AND project_id = $2 AND deleted_at IS NULL
           AND (measured_on < $3::date OR measured_on > $4::date)) x LIMIT 1`,
      [current.tenantId, current.id, startDate, endDate ?? 'infinity'],
    );
    if (outside) {
      throw badUserInput(
        outside.field,
        'Activities or measurements of the project lie outside the new span',
      );
    }
  }
  const params: unknown[] = [];
  const set = assignments(
    {
      code: trimmed(notNull(input.code, 'code')),
      name: trimmed(notNull(input.name, 'name')),
      description: trimmed(input.description),
      status: notNull(input.status, 'status'),
      start_date: input.startDate,
      end_date: input.endDate,
      source_language:
        input.sourceLanguage === undefined || input.sourceLanguage === null
          ? notNull(input.sourceLanguage, 'sourceLanguage')
          : await sourceLanguageFor(ctx, current.tenantId, input.sourceLanguage),
    },
    params,
  );
  const updated = await versionedUpdate<Project>(ctx, {
    table: 'projects p',
    alias: 'p',
    entity: 'Project',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: set.join(', '),
    params,
    returning: PROJECT_COLUMNS,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'UPDATE',
    entityType: 'Project',
    entityId: current.id,
    ...auditDiff(current, updated),
  });
  return updated;
}

/**
 * Deletes a project with no activities or measurements (deleted ones included: their
 * history stays). Its links to organisations and communities go with it — rows of the same
 * tenant, by the composite keys. A project with history should be CLOSED instead.
 */
export async function deleteProject(ctx: RequestContext, input: DeleteRowInput): Promise<Project> {
  const current = await projectToWrite(ctx, input.id, input.expectedVersion);
  const [refs] = await ctx.tx.query<{ activities: number; measurements: number }>(
    `SELECT (SELECT count(*)::int FROM activities WHERE tenant_id = $1 AND project_id = $2) AS activities,
       (SELECT count(*)::int FROM measurements WHERE tenant_id = $1 AND project_id = $2) AS measurements`,
    [current.tenantId, current.id],
  );
  if (refs && refs.activities + refs.measurements > 0) {
    throw conflict(
      `The project still has ${refs.activities} activities and ${refs.measurements} measurements; close it instead`,
      { field: 'id' },
    );
  }
  const deleted = await versionedDelete<Project>(ctx, {
    table: 'projects p',
    alias: 'p',
    entity: 'Project',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    returning: PROJECT_COLUMNS,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'DELETE',
    entityType: 'Project',
    entityId: current.id,
    ...auditDiff(current, null),
  });
  return deleted;
}
