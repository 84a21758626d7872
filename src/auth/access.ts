import { type Principal, Role, Scope } from './principal';

const ROW_READER_ROLES = new Set([
  Role.PLATFORM_ADMIN,
  Role.TENANT_ADMIN,
  Role.PARTNER_EDITOR,
  Role.PARTNER_VIEWER,
]);
const FULL_TENANT_ROLES = new Set([Role.PLATFORM_ADMIN, Role.TENANT_ADMIN]);
const ADMIN_ROLES = FULL_TENANT_ROLES;
const WRITER_ROLES = new Set([Role.PLATFORM_ADMIN, Role.TENANT_ADMIN, Role.PARTNER_EDITOR]);

/** A key may use a role only through a scope that covers the capability. */
function scopeAllows(principal: Principal, ...scopes: Scope[]): boolean {
  return principal.scopes === null || scopes.some((scope) => principal.scopes!.includes(scope));
}

/**
 * What one principal may touch, derived once per request from its grants: the tenants
 * whose rows it reads in full, and the (tenant, organisation) pairs through which it reads
 * only the projects its organisation implements or partners in. Every tenant query builds
 * its WHERE clause from this (see `projectVisibleSql`), never from client arguments.
 */
export class Access {
  /** Tenants whose every row this principal may read. */
  readonly fullTenantIds: readonly string[];
  /** Tenants and organisations through which it reads partner projects only. */
  readonly partnerTenantIds: readonly string[];
  readonly partnerOrganisationIds: readonly string[];
  /** Tenants in which it may administer memberships, keys and the audit log. */
  readonly adminTenantIds: readonly string[];
  /** Tenants in which it may write programme data (partners: their projects only). */
  readonly writerTenantIds: readonly string[];

  /**
   * @param scopedSql test-only: false drops the tenant and project conditions from the SQL, so
   * a test can prove that row-level security alone still hides other tenants' rows.
   */
  constructor(
    readonly principal: Principal | null,
    private readonly scopedSql = true,
  ) {
    const grants = principal?.grants ?? [];
    const readsRows =
      principal !== null && scopeAllows(principal, Scope.READ, Scope.WRITE, Scope.ADMIN);
    const full = new Set<string>();
    const partner: [string, string][] = [];
    for (const grant of readsRows ? grants : []) {
      if (FULL_TENANT_ROLES.has(grant.role)) full.add(grant.tenantId);
      else if (ROW_READER_ROLES.has(grant.role))
        partner.push([grant.tenantId, grant.organisationId]);
    }
    const partnerPairs = partner.filter(([tenantId]) => !full.has(tenantId));
    this.fullTenantIds = [...full];
    this.partnerTenantIds = partnerPairs.map(([tenantId]) => tenantId);
    this.partnerOrganisationIds = partnerPairs.map(([, organisationId]) => organisationId);
    this.adminTenantIds =
      principal && scopeAllows(principal, Scope.ADMIN)
        ? unique(grants.filter((g) => ADMIN_ROLES.has(g.role)).map((g) => g.tenantId))
        : [];
    this.writerTenantIds =
      principal && scopeAllows(principal, Scope.WRITE)
        ? unique(grants.filter((g) => WRITER_ROLES.has(g.role)).map((g) => g.tenantId))
        : [];
  }

  get isAuthenticated(): boolean {
    return this.principal !== null;
  }

  /** May read some rows (projects, communities, activities, measurements). */
  get readsRows(): boolean {
    return this.fullTenantIds.length > 0 || this.partnerTenantIds.length > 0;
  }

  /**
   * May read some aggregates: a reader of rows, or an aggregate analyst or `aggregate`-scoped
   * key (which then needs a sharing agreement in force; see the outcome service).
   */
  get readsAggregates(): boolean {
    const principal = this.principal;
    if (!principal) return false;
    if (this.readsRows) return true;
    return principal.scopes === null
      ? principal.grants.some((g) => g.role === Role.AGGREGATE_ANALYST)
      : principal.scopes.includes(Scope.AGGREGATE) && principal.grants.length > 0;
  }

  get administers(): boolean {
    return this.adminTenantIds.length > 0;
  }

  /** Tenants in which it reads at least some rows. */
  get readableTenantIds(): string[] {
    return unique([...this.fullTenantIds, ...this.partnerTenantIds]);
  }

  /** Tenant ids for the given codes among those it may see; unknown codes match nothing. */
  tenantIdsForCodes(codes: readonly string[]): string[] {
    const wanted = new Set(codes.map((code) => code.toUpperCase()));
    return unique(
      (this.principal?.grants ?? []).filter((g) => wanted.has(g.tenantCode)).map((g) => g.tenantId),
    );
  }

  /**
   * SQL that is true for a visible project, given the expressions of its tenant id and id.
   * Pushes its parameters onto `params`.
   */
  projectVisibleSql(tenantIdSql: string, projectIdSql: string, params: unknown[]): string {
    if (!this.scopedSql) return 'true';
    return anyOf([
      this.fullTenantSql(tenantIdSql, params),
      this.partnerProjectSql(tenantIdSql, projectIdSql, params),
    ]);
  }

  /** SQL that is true for a visible community: in a tenant read in full, or targeted by a visible project. */
  communityVisibleSql(tenantIdSql: string, communityIdSql: string, params: unknown[]): string {
    if (!this.scopedSql) return 'true';
    const partner = this.partnerProjectSql('pc.tenant_id', 'pc.project_id', params);
    return anyOf([
      this.fullTenantSql(tenantIdSql, params),
      partner &&
        `EXISTS (SELECT 1 FROM project_communities pc
          WHERE pc.tenant_id = ${tenantIdSql} AND pc.community_id = ${communityIdSql} AND ${partner})`,
    ]);
  }

  private fullTenantSql(tenantIdSql: string, params: unknown[]): string | null {
    if (this.fullTenantIds.length === 0) return null;
    params.push(this.fullTenantIds);
    return `${tenantIdSql} = ANY ($${params.length}::uuid[])`;
  }

  private partnerProjectSql(
    tenantIdSql: string,
    projectIdSql: string,
    params: unknown[],
  ): string | null {
    if (this.partnerTenantIds.length === 0) return null;
    params.push(this.partnerTenantIds, this.partnerOrganisationIds);
    return `EXISTS (
      SELECT 1 FROM project_organisations po
      JOIN unnest($${params.length - 1}::uuid[], $${params.length}::uuid[]) AS g (tenant_id, organisation_id)
        ON g.tenant_id = po.tenant_id AND g.organisation_id = po.organisation_id
      WHERE po.tenant_id = ${tenantIdSql} AND po.project_id = ${projectIdSql}
        AND po.role IN ('IMPLEMENTER', 'PARTNER'))`;
  }
}

function anyOf(clauses: (string | null)[]): string {
  const present = clauses.filter((clause): clause is string => clause !== null);
  return present.length > 0 ? `(${present.join(' OR ')})` : 'false';
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
