/** Who is calling, as established by authentication and read from the database per request. */
export enum Role {
  PLATFORM_ADMIN = 'PLATFORM_ADMIN',
  TENANT_ADMIN = 'TENANT_ADMIN',
  PARTNER_EDITOR = 'PARTNER_EDITOR',
  PARTNER_VIEWER = 'PARTNER_VIEWER',
  AGGREGATE_ANALYST = 'AGGREGATE_ANALYST',
}

export enum Scope {
  READ = 'read',
  WRITE = 'write',
  AGGREGATE = 'aggregate',
  ADMIN = 'admin',
  /** Publish a tenant's IATI activity file, with the admin role the organisation holds there. */
  IATI = 'iati',
  /** Approve, return and unapprove reporting periods (beside `write`; admin roles only). */
  APPROVE = 'approve',
}

export enum PrincipalKind {
  USER = 'USER',
  API_KEY = 'API_KEY',
}

/** One role held in one tenant for one organisation (a membership, or what a key's scopes imply). */
export type Grant = Readonly<{
  tenantId: string;
  tenantCode: string;
  organisationId: string;
  role: Role;
}>;

export type Principal = Readonly<{
  kind: PrincipalKind;
  /** The user's id, or the API key's id. */
  id: string;
  /** The token's `sub` for users; the key prefix for API keys. */
  subject: string;
  /** The organisation an API key acts for; null for users, who act through their memberships. */
  organisationId: string | null;
  platformAdmin: boolean;
  grants: readonly Grant[];
  /** An API key's scopes; null for users, whose rights come from their roles alone. */
  scopes: readonly Scope[] | null;
}>;

/**
 * How a principal is recorded (`created_by` columns, idempotency keys, the request log):
 * `user:<id>` or `apikey:<id>` — the form the database's own request-principal function
 * writes into `app.actor`, which row-level security compares with.
 */
export function actorOf(principal: Principal): string {
  return `${principal.kind === PrincipalKind.USER ? 'user' : 'apikey'}:${principal.id}`;
}
