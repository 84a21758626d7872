import type { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../../config';
import { send } from './webhook-http';
import { signatures } from './webhook-http';

/*
 * The webhook worker: fans the change log (the outbox) out to endpoints, then delivers.
 *
 * Why no queue library (graphile-worker, pg-boss): the outbox has to be the change log itself,
 * a tenant table under row security, distributed on Citus, written in the writer's
 * transaction; the deliveries are tenant data admins read through the API (attempts, next
 * retry, dead letters). A library's job table would be a second copy of each delivery, outside
 * row security, on the coordinator only, fed by a relay much like this one. What is left to a
 * library — claiming due rows without two workers taking the same — is a lease taken with
 * `FOR UPDATE SKIP LOCKED`, in a transaction that ends before any HTTP request is made (an
 * open transaction would hold the changes feed's horizon back).
 *
 * Both steps run as the owner with a platform-wide scope (set_request_scope), so the policies
 * apply to the worker too. A worker killed mid-delivery leaves a lease that expires after
 * twice the HTTP timeout; the delivery is then sent again under the same webhook-id.
 */

type Claimed = {
  tenantId: string;
  id: string;
  changeId: string;
  eventType: string;
  payload: Record<string, unknown>;
  attempts: number;
  url: string;
  secrets: string[];
};

const SCOPE = `SELECT set_request_scope(t.ids, array_fill(NULL::uuid, ARRAY[cardinality(t.ids)]),
  array_fill('PLATFORM_ADMIN'::text, ARRAY[cardinality(t.ids)]), true, true, true, 'system:webhooks')
  FROM (SELECT coalesce(array_agg(id), '{}') AS ids FROM tenants) t`;

/** What the event types call a fed type, where not its GraphQL name in lower case. */
const EVENT_NOUNS: Readonly<Record<string, string>> = { ReportingPeriod: 'period' };

/** Past tenses that adding -d or -ed gets wrong. */
const PAST_TENSES: Readonly<Record<string, string>> = { submit: 'submitted' };

/**
 * The event type of an audited action: activity.created, measurement.restored, and for a
 * period's transitions (audited as PERIOD_APPROVE, …) period.submitted, period.approved,
 * period.returned, period.unapproved.
 */
export function eventType(entityType: string, action: string): string {
  const noun = EVENT_NOUNS[entityType] ?? entityType.toLowerCase();
  const verb = action.replace(/^PERIOD_/, '').toLowerCase();
  const past = PAST_TENSES[verb] ?? (verb.endsWith('e') ? `${verb}d` : `${verb}ed`);
  return `${noun}.${past}`;
}

/** Deliveries leased per round, at most. */
const CLAIM_BATCH = 20;

const matches = (patterns: string[], type: string) =>
  patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );

export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastPurge = 0;
  private readonly deliveries: Counter<'outcome'>;
  private readonly depth: Gauge;
  private readonly oldest: Gauge;

  constructor(
    private readonly pool: Pool,
    private readonly settings: Config['webhooks'],
    private readonly retentionDays: number,
    private readonly log: Logger,
    registry?: Registry,
  ) {
    const registers = registry ? [registry] : [];
    this.deliveries = new Counter({
      name: 'dg_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, dead, gone)',
      labelNames: ['outcome'] as const,
      registers,
    });
    this.depth = new Gauge({
      name: 'dg_webhook_queue_depth',
      help: 'Webhook deliveries pending',
      registers,
    });
    this.oldest = new Gauge({
      name: 'dg_webhook_oldest_pending_seconds',
      help: 'Age of the oldest pending webhook delivery, in seconds',
      registers,
    });
  }

  start(): void {
    this.stopped = false;
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((error: unknown) => this.log.warn({ err: error }, 'webhook worker tick failed'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(loop, this.settings.pollMs);
        });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round: fan out new changes, deliver what is due, purge expired changes hourly. */
  async tick(): Promise<void> {
    await this.inScope((c) => this.dispatch(c));
    const claimed = await this.inScope((c) => this.claim(c));
    await Promise.all(claimed.map((delivery) => this.deliver(delivery)));
    if (Date.now() - this.lastPurge > 3_600_000) {
      this.lastPurge = Date.now();
      await this.inScope((c) =>
        c.query(
          `DELETE FROM change_log WHERE at < now() - make_interval(days => 1) - $1 * interval '1 day'`,
          [this.retentionDays],
        ),
      );
    }
    await this.inScope(async (c) => {
      const { rows } = await c.query<{ depth: string; age: number | null }>(
        `SELECT count(*) AS depth, extract(epoch FROM now() - min(created_at))::float8 AS age
           FROM webhook_deliveries WHERE state = 'PENDING'`,
      );
      this.depth.set(Number(rows[0]!.depth));
      this.oldest.set(rows[0]!.age ?? 0);
    });
  }

  private async inScope<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(SCOPE);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Deliveries for the changes committed since each tenant's position, once per endpoint. */
  private async dispatch(c: PoolClient): Promise<void> {
    const { rows: tenants } = await c.query<{ tenantId: string }>(
      `SELECT DISTINCT tenant_id AS "tenantId" FROM webhook_endpoints WHERE disabled_at IS NULL`,
    );
    for (const { tenantId } of tenants) {
      await c.query(
        `INSERT INTO webhook_dispatch_positions (tenant_id, txid, at, change_id)
         VALUES ($1, '0', '-infinity', '00000000-0000-0000-0000-000000000000')
         ON CONFLICT (tenant_id) DO NOTHING`,
        [tenantId],
      );
      const { rows: positions } = await c.query<{ txid: string; at: string; changeId: string }>(
        `SELECT txid::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
                change_id AS "changeId"
           FROM webhook_dispatch_positions WHERE tenant_id = $1 FOR UPDATE SKIP LOCKED`,
        [tenantId],
      );
      const position = positions[0];
      if (!position) continue; // another worker has this tenant
      const { rows: changes } = await c.query<{
        id: string;
        txid: string;
        at: string;
        changedAt: Date;
        entityType: string;
        entityId: string;
        action: string;
        version: number | null;
      }>(
        `SELECT id, txid::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at,
                at AS "changedAt", entity_type AS "entityType", entity_id AS "entityId", action, version
           FROM change_log
          WHERE tenant_id = $1 AND (txid, at, id) > ($2::xid8, $3::timestamptz, $4::uuid)
            AND txid < change_feed_horizon()
          ORDER BY txid, at, id LIMIT 500`,
        [tenantId, position.txid, position.at, position.changeId],
      );
      if (changes.length === 0) continue;
      const { rows: endpoints } = await c.query<{
        id: string;
        eventTypes: string[];
        createdAt: Date;
      }>(
        `SELECT id, event_types AS "eventTypes", created_at AS "createdAt" FROM webhook_endpoints
          WHERE tenant_id = $1 AND disabled_at IS NULL`,
        [tenantId],
      );
      const { rows: tenant } = await c.query<{ code: string }>(
        `SELECT code FROM tenants WHERE id = $1`,
        [tenantId],
      );
      const params: unknown[] = [tenantId];
      const tuples: string[] = [];
      for (const change of changes) {
        const type = eventType(change.entityType, change.action);
        for (const endpoint of endpoints) {
          if (change.changedAt < endpoint.createdAt || !matches(endpoint.eventTypes, type))
            continue;
          // The thin payload: the receiver reads the row through the API with its own rights.
          const payload = {
            type,
            timestamp: change.changedAt.toISOString(),
            data: {
              tenant: tenant[0]?.code,
              entityType: change.entityType,
              id: change.entityId,
              version: change.version,
            },
          };
          params.push(endpoint.id, change.id, type, JSON.stringify(payload));
          const n = params.length;
          tuples.push(`($1, $${n - 3}::uuid, $${n - 2}::uuid, $${n - 1}, $${n}::jsonb)`);
        }
      }
      if (tuples.length > 0) {
        await c.query(
          `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, change_id, event_type, payload)
           VALUES ${tuples.join(', ')} ON CONFLICT (tenant_id, endpoint_id, change_id) DO NOTHING`,
          params,
        );
      }
      const last = changes.at(-1)!;
      await c.query(
        `UPDATE webhook_dispatch_positions SET txid = $2::xid8, at = $3::timestamptz, change_id = $4
          WHERE tenant_id = $1`,
        [tenantId, last.txid, last.at, last.id],
      );
    }
  }

  /** Leases the due deliveries of enabled endpoints, with their URLs and current secrets. */
  private async claim(c: PoolClient): Promise<Claimed[]> {
    const leaseMs = this.settings.timeoutMs * 2;
    // One tenant at a time: Citus locks rows (FOR UPDATE) only in a statement routed to one
    // shard group, and a tenant's deliveries are in one.
    const { rows: due } = await c.query<{ tenantId: string }>(
      `SELECT q.tenant_id AS "tenantId" FROM webhook_deliveries q
        WHERE q.state = 'PENDING' AND q.next_attempt_at <= now()
          AND (q.leased_until IS NULL OR q.leased_until < now())
        GROUP BY q.tenant_id ORDER BY min(q.next_attempt_at) LIMIT ${CLAIM_BATCH}`,
    );
    const rows: (Omit<Claimed, 'url' | 'secrets'> & { endpointId: string })[] = [];
    for (const { tenantId } of due) {
      if (rows.length >= CLAIM_BATCH) break;
      const claimed = await c.query<Omit<Claimed, 'url' | 'secrets'> & { endpointId: string }>(
        `UPDATE webhook_deliveries d SET leased_until = now() + make_interval(secs => $1 / 1000.0)
          WHERE d.tenant_id = $2 AND (d.tenant_id, d.id) IN (
            SELECT q.tenant_id, q.id FROM webhook_deliveries q
             WHERE q.tenant_id = $2 AND q.state = 'PENDING' AND q.next_attempt_at <= now()
               AND (q.leased_until IS NULL OR q.leased_until < now())
             ORDER BY q.next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING d.tenant_id AS "tenantId", d.id, d.change_id AS "changeId",
            d.endpoint_id AS "endpointId", d.event_type AS "eventType", d.payload, d.attempts`,
        [leaseMs, tenantId, CLAIM_BATCH - rows.length],
      );
      rows.push(...claimed.rows);
    }
    if (rows.length === 0) return [];
    const { rows: endpoints } = await c.query<{
      id: string;
      url: string;
      disabled: boolean;
      secrets: string[];
    }>(
      `SELECT e.id, e.url, e.disabled_at IS NOT NULL AS disabled,
              ARRAY(SELECT s.secret FROM webhook_endpoint_secrets s
                     WHERE s.tenant_id = e.tenant_id AND s.endpoint_id = e.id
                       AND (s.expires_at IS NULL OR s.expires_at > now())
                     ORDER BY s.created_at DESC) AS secrets
         FROM webhook_endpoints e WHERE e.id = ANY ($1::uuid[])`,
      [[...new Set(rows.map((r) => r.endpointId))]],
    );
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    const claimed: Claimed[] = [];
    for (const row of rows) {
      const endpoint = byId.get(row.endpointId);
      if (!endpoint || endpoint.disabled || endpoint.secrets.length === 0) continue;
      claimed.push({ ...row, url: endpoint.url, secrets: endpoint.secrets });
    }
    return claimed;
  }

  private async deliver(delivery: Claimed): Promise<void> {
    const webhookId = `msg_${delivery.changeId.replaceAll('-', '')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = JSON.stringify(delivery.payload);
    const result = await send(
      delivery.url,
      {
        'content-type': 'application/json',
        'user-agent': 'DignityGraph-Webhooks/1',
        'webhook-id': webhookId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatures(delivery.secrets, webhookId, timestamp, body),
      },
      body,
      { timeoutMs: this.settings.timeoutMs, allowLoopback: this.settings.allowLoopback },
    );
    const attempts = delivery.attempts + 1;
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    const gone = result.status === 410;
    const schedule = this.settings.retryScheduleS;
    const dead = !ok && (gone || attempts > schedule.length);
    const jitter = 0.9 + Math.random() * 0.2;
    const waitS =
      ok || dead
        ? 0
        : result.status === 429 && result.retryAfterS !== null
          ? Math.min(result.retryAfterS, 86_400)
          : schedule[attempts - 1]! * jitter;
    const outcome = ok ? 'delivered' : gone ? 'gone' : dead ? 'dead' : 'retry';
    this.deliveries.inc({ outcome });
    const error =
      result.error ??
      (ok
        ? null
        : `HTTP ${result.status}${result.status! >= 300 && result.status! < 400 ? ' (redirects are not followed)' : ''}`);
    await this.inScope(async (c) => {
      await c.query(
        `INSERT INTO webhook_attempts (tenant_id, delivery_id, duration_ms, status, error)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          delivery.tenantId,
          delivery.id,
          result.durationMs,
          result.status,
          error?.slice(0, 500) ?? null,
        ],
      );
      await c.query(
        `UPDATE webhook_deliveries SET attempts = $3, state = $4, last_status = $5, last_error = $6,
           next_attempt_at = now() + make_interval(secs => $7), leased_until = NULL, updated_at = now()
         WHERE tenant_id = $1 AND id = $2`,
        [
          delivery.tenantId,
          delivery.id,
          attempts,
          ok ? 'DELIVERED' : dead ? 'DEAD' : 'PENDING',
          result.status,
          error,
          waitS,
        ],
      );
      if (gone) {
        await c.query(
          `UPDATE webhook_endpoints e SET disabled_at = now(), disabled_reason = 'The endpoint answered 410 Gone',
             updated_at = now(), version = e.version + 1
           WHERE tenant_id = $1 AND id = (SELECT endpoint_id FROM webhook_deliveries WHERE tenant_id = $1 AND id = $2)
             AND disabled_at IS NULL`,
          [delivery.tenantId, delivery.id],
        );
      }
    });
  }
}
