import type { Logger } from 'pino';

/** The smallest pool surface the recorder needs: pg's Pool, or a fake in tests. */
export type UsageWriter = { query: (text: string, values: unknown[]) => Promise<unknown> };

const MINUTE_MS = 60_000;
/** Above this many remembered keys, forget those whose minute has passed. */
const SWEEP_ABOVE = 10_000;

/**
 * Keeps `api_keys.last_used_at` current to within a minute without a write per request.
 * A key is written at most once a minute per process, and only when the value its request
 * read is older than a minute; the UPDATE itself repeats that condition, so several
 * replicas add at most one write a minute each. The write runs on the owner pool outside the
 * request's transaction and is not awaited: a failure is logged and costs only freshness.
 */
export class ApiKeyUsage {
  private readonly written = new Map<string, number>();

  constructor(
    private readonly pool: UsageWriter,
    private readonly log: Pick<Logger, 'error'>,
    private readonly intervalMs = MINUTE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Notes that a key was used; returns whether this issued a write. */
  touch(keyId: string, storedLastUsedAt: Date | null): boolean {
    const now = this.now();
    if (storedLastUsedAt && now - storedLastUsedAt.getTime() < this.intervalMs) return false;
    const last = this.written.get(keyId);
    if (last !== undefined && now - last < this.intervalMs) return false;
    if (this.written.size >= SWEEP_ABOVE) this.sweep(now);
    this.written.set(keyId, now);
    this.pool
      .query(
        `UPDATE api_keys SET last_used_at = now()
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
        [keyId, this.intervalMs / 1000],
      )
      .catch((err: unknown) =>
        this.log.error({ err, keyId }, 'could not record the use of an API key'),
      );
    return true;
  }

  private sweep(now: number): void {
    for (const [keyId, at] of this.written) {
      if (now - at >= this.intervalMs) this.written.delete(keyId);
    }
  }
}
