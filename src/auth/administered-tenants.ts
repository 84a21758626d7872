import type { Access } from './access';

/**
 * Resolves tenant codes a client sent to the ids of tenants the caller administers. A code
 * it does not administer and a code that does not exist land alike in `refused`: tenant
 * codes are public country codes, so refusing both the same way hides nothing and tells the
 * caller plainly what it may not do.
 */
export function administeredTenants(
  access: Access,
  codes: readonly string[],
): { ids: string[]; refused: string[] } {
  const administered = new Set(access.adminTenantIds);
  const byCode = new Map(
    (access.principal?.grants ?? [])
      .filter((grant) => administered.has(grant.tenantId))
      .map((grant) => [grant.tenantCode, grant.tenantId]),
  );
  const ids = new Set<string>();
  const refused = new Set<string>();
  for (const code of codes.map((c) => c.trim().toUpperCase())) {
    const id = byCode.get(code);
    if (id) ids.add(id);
    else refused.add(code);
  }
  return { ids: [...ids], refused: [...refused] };
}
