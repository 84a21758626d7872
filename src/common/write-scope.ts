import { Capability } from '../auth/access';
import type { RequestContext } from '../context';
import { badUserInput, forbidden } from './errors';
import { param } from './sql';
import type { Span } from './validation';
import {
  type TenantLanguages,
  tenantLanguages,
} from '../modules/translation/translation.languages';

/*
 * Where a write may go, decided from the principal's grants (Access), never from what the
 * client claims: the tenant named by a code must be one the principal writes in, and a
 * project's rows are writable only through the grants that reach that project.
 */

/** The tenant of a country code in which the principal writes projects, communities, indicators. */
export function adminTenantOf(ctx: RequestContext, tenantCode: string): string {
  const tenantId = ctx.access.tenantForCode(Capability.TENANT_WRITE, tenantCode.trim());
  if (!tenantId) throw forbidden(`You may not write in tenant ${tenantCode.trim()}`);
  return tenantId;
}

/** The tenant of a country code in which the principal writes programme rows (partners included). */
export function writerTenantOf(ctx: RequestContext, tenantCode: string): string {
  const code = tenantCode.trim();
  const tenantId = ctx.access.tenantForCode(Capability.WRITE, code);
  if (!tenantId) throw forbidden(`You may not write in tenant ${code}`);
  return tenantId;
}

/** A project as writes of its rows need it: its tenant, its span, who records for it. */
export type ProjectScope = Span &
  Readonly<{
    tenantId: string;
    id: string;
    /** The organisation the principal records this project's rows for; null: may not write. */
    recordingOrganisationId: string | null;
    /** The languages the project's tenant offers, and the one its texts are in by default. */
    languages: TenantLanguages;
  }>;

/**
 * The visible projects among `ids` (optionally of one tenant), with whether and for whom
 * the principal may write their activities and measurements. One statement for a whole
 * import; a project of another tenant or a partner's other project is simply absent or
 * not writable, decided in SQL from the principal's grants (see Access).
 */
async function projectScopes(
  ctx: RequestContext,
  ids: readonly string[],
  tenantId?: string,
): Promise<Map<string, ProjectScope>> {
  const params: unknown[] = [ids];
  // The one tenant as a value, also when the principal reads only one: compared with `=` and
  // put in place of `p.tenant_id` in the scope's sub-queries, it lets Citus route the
  // statement to that tenant's shard group. A sub-query correlated by `po.tenant_id =
  // p.tenant_id` (or an `= ANY (list)`) leaves Citus unable to prune, and it fans out.
  const readable = ctx.access.readableTenantIds;
  const oneTenant = tenantId ?? (readable.length === 1 ? readable[0] : undefined);
  const tenantSql = oneTenant ? `${param(params, oneTenant)}::uuid` : 'p.tenant_id';
  const visible = ctx.access.projectVisibleSql(tenantSql, 'p.id', params);
  const recording = ctx.access.recordingOrganisationSql(tenantSql, 'p.id', params);
  const writer = ctx.access.tenantScopeSql(Capability.WRITE, tenantSql, params);
  const inTenant = oneTenant ? ` AND p.tenant_id = ${tenantSql}` : '';
  const rows = await ctx.tx.query<
    Omit<ProjectScope, 'languages'> & { defaultLocale: string; enabledLanguages: string[] }
  >(
    `SELECT p.tenant_id AS "tenantId", p.id, p.start_date AS "startDate", p.end_date AS "endDate",
       CASE WHEN ${writer} THEN ${recording} END
         AS "recordingOrganisationId",
       t.default_locale AS "defaultLocale", t.enabled_languages AS "enabledLanguages"
     FROM projects p JOIN tenants t ON t.id = p.tenant_id
     WHERE p.id = ANY ($1::uuid[]) AND ${visible}${inTenant}`,
    params,
  );
  return new Map(
    rows.map(({ defaultLocale, enabledLanguages, ...row }) => [
      row.id,
      { ...row, languages: tenantLanguages(defaultLocale, enabledLanguages) },
    ]),
  );
}

/** Key of a (project, community) pair in `targetedPairs`' answer. */
const pairKey = (projectId: string, communityId: string): string => `${projectId}:${communityId}`;

/**
 * The (project, community) pairs among `pairs` where the project targets the community —
 * which also proves both are of the project's tenant, the composite keys allowing no other.
 */
async function targetedPairs(
  ctx: RequestContext,
  pairs: readonly { tenantId: string; projectId: string; communityId: string }[],
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const params: unknown[] = [
    pairs.map((p) => p.tenantId),
    pairs.map((p) => p.projectId),
    pairs.map((p) => p.communityId),
  ];
  // Pairs of one tenant (every request but a platform admin's import across tenants) name it
  // with `=`, so that Citus routes the statement to its shard group.
  const tenants = new Set(pairs.map((p) => p.tenantId));
  const oneTenant =
    tenants.size === 1 ? ` WHERE pc.tenant_id = ${param(params, pairs[0]!.tenantId)}::uuid` : '';
  const rows = await ctx.tx.query<{ projectId: string; communityId: string }>(
    `SELECT pc.project_id AS "projectId", pc.community_id AS "communityId"
     FROM project_communities pc
     JOIN unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS k (tenant_id, project_id, community_id)
       ON pc.tenant_id = k.tenant_id AND pc.project_id = k.project_id
         AND pc.community_id = k.community_id${oneTenant}`,
    params,
  );
  return new Set(rows.map((r) => pairKey(r.projectId, r.communityId)));
}

/**
 * What checking project rows needs of their projects: the projects of `values` (see
 * `projectScopes`), and the pairs among them whose project targets the row's community
 * (started, not awaited, so a kind can load its own references beside it).
 */
export async function projectRefs(
  ctx: RequestContext,
  values: readonly { projectId: string; communityId: string | null }[],
  tenantId?: string,
): Promise<{ projects: Map<string, ProjectScope>; targeted: Promise<Set<string>> }> {
  const projects = await projectScopes(ctx, [...new Set(values.map((v) => v.projectId))], tenantId);
  const pairs = values.flatMap((v) => {
    const project = projects.get(v.projectId);
    return project && v.communityId
      ? [{ tenantId: project.tenantId, projectId: v.projectId, communityId: v.communityId }]
      : [];
  });
  return { projects, targeted: targetedPairs(ctx, pairs) };
}

/**
 * The project a row of `values` is recorded for, from `projectRefs`: one the principal sees
 * (else BAD_USER_INPUT) and records `items` of (else FORBIDDEN).
 */
export function projectToRecord(
  projects: ReadonlyMap<string, ProjectScope>,
  projectId: string,
  items: string,
): ProjectScope & { recordingOrganisationId: string } {
  const project = projects.get(projectId);
  if (!project) throw badUserInput('projectId', 'No such project, or it is hidden from you');
  if (!project.recordingOrganisationId)
    throw forbidden(`You may not record ${items} of this project`);
  return project as ProjectScope & { recordingOrganisationId: string };
}

/** Refuses a community the row's project does not target (see `projectRefs`). */
export function checkTargeted(
  values: { projectId: string; communityId: string | null },
  targeted: ReadonlySet<string>,
): void {
  if (values.communityId && !targeted.has(pairKey(values.projectId, values.communityId))) {
    throw badUserInput('communityId', 'The project does not target this community');
  }
}

/** Which of `ids` name existing organisations (a global table of public names). */
export async function existingOrganisations(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.tx.query<{ id: string }>(
    `SELECT id FROM organisations WHERE id = ANY ($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}
