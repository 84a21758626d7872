import type { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operation names are chosen by clients: keep well-formed ones, and only so many. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_OPERATION_NAMES = 200;

/** ok: no error; partial: data with errors; error: refused or failed (HTTP status ≥ 400). */
export type RequestOutcome = 'ok' | 'partial' | 'error';

/**
 * The Prometheus metrics of one app (its own registry, so two apps in one process — the tests —
 * do not collide). Label values are bounded: operation names are capped, codes are ours.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  private readonly requests = new Counter({
    name: 'dg_graphql_requests_total',
    help: 'GraphQL requests by operation name, outcome (ok, partial, error) and HTTP status',
    labelNames: ['operation', 'outcome', 'status'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'dg_graphql_request_duration_seconds',
    help: 'GraphQL request latency by operation name',
    labelNames: ['operation'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'dg_graphql_errors_total',
    help: 'Errors returned to clients by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'dg_rate_limit_rejections_total',
    help: 'Requests refused by the rate limit, by kind of principal',
    labelNames: ['principal_kind'] as const,
    registers: [this.registry],
  });
  private readonly statements = new Histogram({
    name: 'dg_graphql_sql_statements',
    help: 'SQL round trips per GraphQL request',
    buckets: [1, 2, 3, 5, 8, 13, 21, 34, 55],
    registers: [this.registry],
  });
  constructor(pool: Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dg_' });
    new Gauge({
      name: 'dg_db_pool_connections',
      help: 'Database pool connections: total, idle, in use, and requests waiting for one',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
        this.set({ state: 'waiting' }, pool.waitingCount);
      },
    });
  }

  /** The label for a client-chosen operation name. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** One finished /graphql request, including those refused before GraphQL ran. */
  request(r: {
    operationName: string | null;
    principal: string | null;
    status: number;
    seconds: number;
    codes: readonly string[];
    statements: number;
  }): void {
    const operation = this.operationLabel(r.operationName);
    const outcome: RequestOutcome =
      r.status >= 400 ? 'error' : r.codes.length > 0 ? 'partial' : 'ok';
    this.requests.inc({ operation, outcome, status: String(r.status) });
    this.latency.observe({ operation }, r.seconds);
    for (const code of r.codes) this.errors.inc({ code });
    if (r.codes.includes('RATE_LIMITED')) {
      // `user:<id>` or `apikey:<id>`: the kind only, never the id (unbounded labels).
      this.rateLimited.inc({ principal_kind: r.principal?.split(':')[0] ?? 'anonymous' });
    }
    if (r.statements > 0) this.statements.observe(r.statements);
  }
}
