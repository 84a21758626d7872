import DataLoader from 'dataloader';

/**
 * A DataLoader over rows fetched by id: one query per batch, results in key order, null for
 * ids that are missing or hidden from the principal.
 */
export function byIdLoader<T extends { id: string }>(
  fetch: (ids: readonly string[]) => Promise<T[]>,
): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const byId = new Map((await fetch(ids)).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export type ParentKey = Readonly<{ tenantId: string; id: string }>;

const parentCacheKey = (key: ParentKey): string => `${key.tenantId}:${key.id}`;

/**
 * The request's loader for one field of many parents (a nested connection with one set of
 * arguments, or a list such as a project's organisations): one statement per batch.
 */
export function perParentLoader<T>(
  ctx: {
    loader: <K, V, C = K>(name: string, create: () => DataLoader<K, V, C>) => DataLoader<K, V, C>;
  },
  field: string,
  args: object,
  fetch: (parents: readonly ParentKey[]) => Promise<T[]>,
): DataLoader<ParentKey, T, string> {
  return ctx.loader(
    `${field}:${JSON.stringify(args)}`,
    () => new DataLoader<ParentKey, T, string>(fetch, { cacheKeyFn: parentCacheKey }),
  );
}
