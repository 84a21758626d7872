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
    `${field}:${argumentsKey(args)}`,
    () => new DataLoader<ParentKey, T, string>(fetch, { cacheKeyFn: parentCacheKey }),
  );
}

/** Canonical keys by the arguments' plain JSON: at most this many remembered. */
const CANONICAL_LIMIT = 1000;
const canonicalKeys = new Map<string, string>();

/**
 * The same text for the same argument values whatever the order of their keys: the resolver's
 * arguments (built by the executor) and a prefetch's (built from the query, see
 * community.prefetch.ts) must name the same loader. Remembered by the plain JSON, which is
 * cheap: a nested field asks for its key once per parent.
 */
export function argumentsKey(args: unknown): string {
  const plain = JSON.stringify(args);
  let key = canonicalKeys.get(plain);
  if (key === undefined) {
    key = JSON.stringify(args, (_key, value: unknown) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          )
        : value,
    );
    if (canonicalKeys.size < CANONICAL_LIMIT) canonicalKeys.set(plain, key);
  }
  return key;
}
