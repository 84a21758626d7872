import { actorOf, type Grant, type Principal, PrincipalKind, Role, Scope } from './principal';
import { param } from '../common/sql';

/*
 * Longer than 300 lines on purpose: this file is the whole tenancy API, every role and scope
 * rule and every SQL condition built from them, and the one file the lint rule against
 * hand-written tenant filters exempts; split, that exemption would cover several.
 *
 * The one tenancy API: every condition that limits a query to what the principal may touch
 * is produced here, from its grants, never from client arguments (a lint rule forbids
 * hand-written tenant filters elsewhere). The SQL builders push their parameters onto
 * `params` and return a condition for the WHERE clause.
 */

/** What a query's tenant scope is for. */
export enum Capability {
  /** Reading some of a tenant's rows (which ones: `projectVisibleSql`, `communityVisibleSql`). */
  READ = 'read',
  /** Writing programme rows (activities, measurements; partners: of their projects only). */
  WRITE = 'write',
  /** Writing projects, communities and indicators: all of a tenant's data. */
  TENANT_WRITE = 'tenant-write',
  /** Restoring a soft-deleted row: only who writes all of the tenant's data. */
  RESTORE = 'restore',
  /** Administering memberships, keys and sharing agreements, and reading the audit log. */
  ADMIN = 'admin',
  /** Reading outcome summaries: of readable tenants, and of tenants shared under an agreement. */
  AGGREGATE = 'aggregate',
  /** Publishing the tenant's IATI file: its admins; keys only with the `iati` scope. */
  PUBLISH = 'publish',
}

const ROW_READER_ROLES = new Set([
  Role.PLATFORM_ADMIN,
  Role.TENANT_ADMIN,
  Role.PARTNER_EDITOR,
  Role.PARTNER_VIEWER,
]);
const FULL_TENANT_ROLES = new Set([Role.PLATFORM_ADMIN, Role.TENANT_ADMIN]);
const ADMIN_ROLES = FULL_TENANT_ROLES;
const WRITER_ROLES = new Set([Role.PLATFORM_ADMIN, Role.TENANT_ADMIN, Role.PARTNER_EDITOR]);

/** What each role allows, as scopes (a user's scopes are those of its roles). */
const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  [Role.PLATFORM_ADMIN]: [
    Scope.READ,
    Scope.WRITE,
    Scope.AGGREGATE,
    Scope.ADMIN,
    Scope.IATI,
    Scope.APPROVE,
  ],
  [Role.TENANT_ADMIN]: [
    Scope.READ,
    Scope.WRITE,
    Scope.AGGREGATE,
    Scope.ADMIN,
    Scope.IATI,
    Scope.APPROVE,
  ],
  [Role.PARTNER_EDITOR]: [Scope.READ, Scope.WRITE, Scope.AGGREGATE],
  [Role.PARTNER_VIEWER]: [Scope.READ, Scope.AGGREGATE],
  [Role.AGGREGATE_ANALYST]: [Scope.AGGREGATE],
};
const SCOPE_ORDER = [
  Scope.READ,
  Scope.WRITE,
  Scope.AGGREGATE,
  Scope.ADMIN,
  Scope.IATI,
  Scope.APPROVE,
];

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
  /** Tenants in which it writes everything: projects, communities, indicators and all rows. */
  readonly adminWriterTenantIds: readonly string[];
  /** Tenants and organisations through which it writes the rows of partner projects only. */
  readonly editorTenantIds: readonly string[];
  readonly editorOrganisationIds: readonly string[];
  /** Tenants whose IATI file it may publish (admins; a key needs the `iati` scope). */
  readonly publishTenantIds: readonly string[];
  /**
   * Tenants in which it approves, returns and unapproves reporting periods: admin roles, and a
   * key only with the `approve` scope beside `write` (approving changes the rows' state).
   */
  readonly approverTenantIds: readonly string[];

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
    const writes = principal !== null && scopeAllows(principal, Scope.WRITE);
    this.writerTenantIds = writes
      ? unique(grants.filter((g) => WRITER_ROLES.has(g.role)).map((g) => g.tenantId))
      : [];
    this.adminWriterTenantIds = writes
      ? unique(grants.filter((g) => ADMIN_ROLES.has(g.role)).map((g) => g.tenantId))
      : [];
    const editorPairs = (writes ? grants : []).filter(
      (g) => g.role === Role.PARTNER_EDITOR && !this.adminWriterTenantIds.includes(g.tenantId),
    );
    this.editorTenantIds = editorPairs.map((g) => g.tenantId);
    this.editorOrganisationIds = editorPairs.map((g) => g.organisationId);
    this.publishTenantIds =
      principal && scopeAllows(principal, Scope.IATI)
        ? unique(grants.filter((g) => ADMIN_ROLES.has(g.role)).map((g) => g.tenantId))
        : [];
    this.approverTenantIds =
      principal && scopeAllows(principal, Scope.APPROVE) ? this.adminWriterTenantIds : [];
  }

  /**
   * May force a write into a locked reporting period (approved, or outside its input window):
   * platform admins only, never an API key. The database checks it again (period_locks_forced).
   */
  get forcesPeriodLocks(): boolean {
    return this.principal?.kind === PrincipalKind.USER && this.principal.platformAdmin;
  }

  /** May publish some tenant's IATI file. */
  get publishesIati(): boolean {
    return this.publishTenantIds.length > 0;
  }

  /** May write something: programme rows at least. */
  get writesRows(): boolean {
    return this.writerTenantIds.length > 0;
  }

  /** May write projects, communities and indicators in some tenant. */
  get writesTenantData(): boolean {
    return this.adminWriterTenantIds.length > 0;
  }

  /** The scopes in force: those of its roles, narrowed to a key's own scopes. */
  get scopesInForce(): Scope[] {
    const principal = this.principal;
    if (!principal) return [];
    const roleScopes = new Set(principal.grants.flatMap((grant) => ROLE_SCOPES[grant.role]));
    return SCOPE_ORDER.filter(
      (scope) => roleScopes.has(scope) && (principal.scopes?.includes(scope) ?? true),
    );
  }

  /** Its tenant memberships: every grant but the platform admin's, which is no membership. */
  get memberships(): Grant[] {
    return (this.principal?.grants ?? []).filter((grant) => grant.role !== Role.PLATFORM_ADMIN);
  }

  /** Tenants it holds any role in (the tenants it may name, and whose indicators it sees). */
  get grantedTenantIds(): string[] {
    return unique((this.principal?.grants ?? []).map((g) => g.tenantId));
  }

  /** How rows record who wrote them (see `actorOf`). */
  get actor(): string {
    return this.principal ? actorOf(this.principal) : 'anonymous';
  }

  /** The tenants the principal's grants reach for a capability. */
  tenantIdsFor(capability: Capability): readonly string[] {
    switch (capability) {
      case Capability.READ:
        return this.readableTenantIds;
      case Capability.WRITE:
        return this.writerTenantIds;
      case Capability.TENANT_WRITE:
      case Capability.RESTORE:
        return this.adminWriterTenantIds;
      case Capability.ADMIN:
        return this.adminTenantIds;
      case Capability.AGGREGATE:
        return unique([...this.readableTenantIds, ...this.agreementGrants.map((g) => g.tenantId)]);
      case Capability.PUBLISH:
        return this.publishTenantIds;
    }
  }

  /** The tenant of a country code for a capability, or null when the grants do not reach it. */
  tenantForCode(capability: Capability, tenantCode: string): string | null {
    const reached = this.tenantIdsFor(capability);
    return this.tenantIdsForCodes([tenantCode]).find((id) => reached.includes(id)) ?? null;
  }

  /**
   * SQL true for a row of a tenant the grants reach for the capability. Reads go through
   * `projectVisibleSql` and its siblings instead, which also know partners' projects.
   */
  tenantScopeSql(
    capability: Exclude<Capability, Capability.READ>,
    tenantIdSql: string,
    params: unknown[],
  ): string {
    params.push(this.tenantIdsFor(capability));
    return `${tenantIdSql} = ANY ($${params.length}::uuid[])`;
  }

  /**
   * The client's own filter by country codes (narrowing, never widening, what the other
   * conditions allow): SQL true for a row of one of those tenants; `orGlobal` also lets
   * rows without a tenant (global indicators) through.
   */
  tenantCodesSql(
    tenantIdSql: string,
    codes: readonly string[],
    params: unknown[],
    options: { orGlobal?: boolean } = {},
  ): string {
    params.push(this.tenantIdsForCodes(codes));
    const inTenants = `${tenantIdSql} = ANY ($${params.length}::uuid[])`;
    return options.orGlobal ? `(${tenantIdSql} IS NULL OR ${inTenants})` : inTenants;
  }

  /** SQL true for a visible indicator: global ones, and those of tenants it holds any role in. */
  indicatorVisibleSql(tenantIdSql: string, params: unknown[]): string {
    if (!this.scopedSql) return 'true';
    params.push(this.grantedTenantIds);
    return `(${tenantIdSql} IS NULL OR ${tenantIdSql} = ANY ($${params.length}::uuid[]))`;
  }

  /**
   * SQL true for a project's row (activity, measurement; table alias `alias`) the principal
   * may change: a live one it records for (`recordingOrganisationSql`), or with `deleted` a
   * deleted one of a tenant it restores in.
   */
  rowWriteSql(alias: string, params: unknown[], deleted: boolean): string {
    const tenant = `${alias}.tenant_id`;
    return deleted
      ? `${alias}.deleted_at IS NOT NULL AND ${this.tenantScopeSql(Capability.RESTORE, tenant, params)}`
      : `${alias}.deleted_at IS NULL AND ${this.tenantScopeSql(Capability.WRITE, tenant, params)}
       AND ${this.mayRecordSql(tenant, `${alias}.project_id`, params)}`;
  }

  /**
   * The organisation the principal acts for in a tenant: a key's own; for a user, the
   * organisation of an admin grant there, else of any grant. Null for platform admins, who
   * act for no organisation.
   */
  organisationIn(tenantId: string): string | null {
    if (!this.principal) return null;
    if (this.principal.organisationId) return this.principal.organisationId;
    const grants = this.principal.grants.filter((g) => g.tenantId === tenantId && g.organisationId);
    const grant = grants.find((g) => ADMIN_ROLES.has(g.role)) ?? grants[0];
    return grant?.organisationId ?? null;
  }

  /**
   * SQL giving the organisation a write to a project is recorded for, or NULL when the
   * principal may not write that project's rows: its admin grant's organisation; for a
   * platform admin (no organisation) the project's implementer; for a partner editor the
   * organisation through which it implements or partners in the project. Pushes its
   * parameters onto `params`.
   */
  recordingOrganisationSql(tenantIdSql: string, projectIdSql: string, params: unknown[]): string {
    return `COALESCE(${this.recordingCandidatesSql(tenantIdSql, projectIdSql, params).join(', ')})`;
  }

  /**
   * SQL true when the principal may write the project's rows: `recordingOrganisationSql(…) IS
   * NOT NULL`, written without COALESCE, which Citus refuses in a write's conditions around
   * the settings' readers of row security ("non-IMMUTABLE functions are not allowed in CASE or
   * COALESCE statements").
   */
  mayRecordSql(tenantIdSql: string, projectIdSql: string, params: unknown[]): string {
    const candidates = this.recordingCandidatesSql(tenantIdSql, projectIdSql, params);
    return `(${candidates.map((c) => `${c} IS NOT NULL`).join('\n      OR ')})`;
  }

  /** The organisations a write may be recorded for, in order of preference (see above). */
  private recordingCandidatesSql(
    tenantIdSql: string,
    projectIdSql: string,
    params: unknown[],
  ): string[] {
    const admin = this.adminWriterTenantIds.map((t) => [t, this.organisationIn(t)] as const);
    const withOrg = admin.filter(([, org]) => org !== null);
    const platform = admin.filter(([, org]) => org === null).map(([t]) => t);
    params.push(
      withOrg.map(([t]) => t),
      withOrg.map(([, org]) => org),
      platform,
      this.editorTenantIds,
      this.editorOrganisationIds,
    );
    const n = params.length;
    return [
      `(SELECT g.organisation_id FROM unnest($${n - 4}::uuid[], $${n - 3}::uuid[]) AS g (tenant_id, organisation_id)
        WHERE g.tenant_id = ${tenantIdSql} LIMIT 1)`,
      `(SELECT po.organisation_id FROM project_organisations po
        WHERE ${tenantIdSql} = ANY ($${n - 2}::uuid[]) AND po.tenant_id = ${tenantIdSql}
          AND po.project_id = ${projectIdSql} AND po.role = 'IMPLEMENTER')`,
      `(SELECT po.organisation_id FROM project_organisations po
        JOIN unnest($${n - 1}::uuid[], $${n}::uuid[]) AS g (tenant_id, organisation_id)
          ON g.tenant_id = po.tenant_id AND g.organisation_id = po.organisation_id
        WHERE po.tenant_id = ${tenantIdSql} AND po.project_id = ${projectIdSql}
          AND po.role IN ('IMPLEMENTER', 'PARTNER')
        ORDER BY po.role, po.organisation_id LIMIT 1)`,
    ];
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

  /**
   * The grants through which it reads aggregates only, under a sharing agreement in force:
   * an analyst's, and every grant of an `aggregate`-scoped key (a key's scopes narrow its
   * roles; for aggregates the database then decides per tenant which rows it reads).
   */
  get agreementGrants(): Grant[] {
    const principal = this.principal;
    if (!principal) return [];
    if (principal.scopes !== null) {
      return principal.scopes.includes(Scope.AGGREGATE) ? [...principal.grants] : [];
    }
    return principal.grants.filter((g) => g.role === Role.AGGREGATE_ANALYST);
  }

  /**
   * SQL true for a project read as a partner: in a tenant read through partner grants only,
   * implemented or partnered by the organisation of such a grant. Names the tenants as values,
   * so on Citus the statement is routed to their shards.
   */
  partnerProjectsSql(tenantIdSql: string, projectIdSql: string, params: unknown[]): string {
    params.push(unique([...this.partnerTenantIds]));
    const inTenants = `${tenantIdSql} = ANY ($${params.length}::uuid[])`;
    return `${inTenants} AND ${this.projectVisibleSql(tenantIdSql, projectIdSql, params)}`;
  }

  get administers(): boolean {
    return this.adminTenantIds.length > 0;
  }

  /** Tenants in which it reads at least some rows. */
  get readableTenantIds(): string[] {
    return unique([...this.fullTenantIds, ...this.partnerTenantIds]);
  }

  /**
   * SQL true for a row of a tenant in which it reads at least some rows: for the sub-queries of
   * filters, which Citus routes by the tenants they name (it is no scope: that is the caller's).
   */
  readableTenantSql(tenantIdSql: string, params: unknown[]): string {
    if (!this.scopedSql) return 'true';
    return `${tenantIdSql} = ANY (${param(params, this.readableTenantIds)}::uuid[])`;
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
        `(${tenantIdSql} = ANY (${param(params, this.partnerTenantIds)}::uuid[])
          AND (${tenantIdSql}, ${communityIdSql}) IN (
            SELECT pc.tenant_id, pc.community_id FROM project_communities pc WHERE ${partner}))`,
    ]);
  }

  /**
   * SQL true for an import job (or one of its per-row results) the principal may read: its
   * own, in a tenant where it still writes, and every job of a tenant it administers.
   */
  importJobVisibleSql(tenantIdSql: string, principalSql: string, params: unknown[]): string {
    if (!this.scopedSql) return 'true';
    params.push(this.writerTenantIds, this.actor, this.adminTenantIds);
    const n = params.length;
    return `((${tenantIdSql} = ANY ($${n - 2}::uuid[]) AND ${principalSql} = $${n - 1})
      OR ${tenantIdSql} = ANY ($${n}::uuid[]))`;
  }

  private fullTenantSql(tenantIdSql: string, params: unknown[]): string | null {
    if (this.fullTenantIds.length === 0) return null;
    params.push(this.fullTenantIds);
    return `${tenantIdSql} = ANY ($${params.length}::uuid[])`;
  }

  /**
   * SQL true for a project of a partner tenant that one of the principal's partner
   * organisations implements or partners. Its tenants are named beside an uncorrelated
   * sub-query: Citus routes a statement by the tenants it names (a correlated sub-query keeps
   * it from pruning any shard).
   */
  private partnerProjectSql(
    tenantIdSql: string,
    projectIdSql: string,
    params: unknown[],
  ): string | null {
    if (this.partnerTenantIds.length === 0) return null;
    params.push(this.partnerTenantIds, this.partnerOrganisationIds);
    const tenants = `$${params.length - 1}::uuid[]`;
    return `(${tenantIdSql} = ANY (${tenants}) AND (${tenantIdSql}, ${projectIdSql}) IN (
      SELECT po.tenant_id, po.project_id FROM project_organisations po
      JOIN unnest(${tenants}, $${params.length}::uuid[]) AS g (tenant_id, organisation_id)
        ON g.tenant_id = po.tenant_id AND g.organisation_id = po.organisation_id
      WHERE po.tenant_id = ANY (${tenants}) AND po.role IN ('IMPLEMENTER', 'PARTNER')))`;
  }
}

function anyOf(clauses: (string | null)[]): string {
  const present = clauses.filter((clause): clause is string => clause !== null);
  return present.length > 0 ? `(${present.join(' OR ')})` : 'false';
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
