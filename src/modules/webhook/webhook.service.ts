import { randomBytes } from 'node:crypto';
import { Capability } from '../../auth/access';
import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { badUserInput, forbidden, notFound } from '../../common/errors';
import type { RequestContext } from '../../context';
import { recordAudit } from '../audit/audit.service';
import { webhookSettings } from './webhook.settings';
import type {
  CreateWebhookEndpointInput,
  RotateWebhookSecretInput,
  WebhookDeliveriesArgs,
  WebhookEndpointsArgs,
} from './webhook.inputs';
import type { WebhookDelivery, WebhookEndpoint } from './webhook.type';

/* Tenant admins' management of webhook endpoints and their deliveries. Every statement is
 * limited to the tenants the principal administers (Access), and row security does the same. */

const ENDPOINT_COLUMNS = `e.tenant_id AS "tenantId", e.id, e.url, e.description,
  e.event_types AS "eventTypes", e.disabled_at AS "disabledAt",
  e.disabled_reason AS "disabledReason", e.created_at AS "createdAt", e.version`;

const DELIVERY_COLUMNS = `d.tenant_id AS "tenantId", d.id, d.endpoint_id AS "endpointId",
  'msg_' || replace(d.change_id::text, '-', '') AS "webhookId", d.event_type AS "eventType",
  d.state, d.attempts, CASE WHEN d.state = 'PENDING' THEN d.next_attempt_at END AS "nextAttemptAt",
  d.last_status AS "lastStatus", d.last_error AS "lastError", d.created_at AS "createdAt",
  ARRAY(SELECT json_build_object('attemptedAt', w.attempted_at, 'durationMs', w.duration_ms,
                 'status', w.status, 'error', w.error)
          FROM webhook_attempts w WHERE w.tenant_id = d.tenant_id AND w.delivery_id = d.id
         ORDER BY w.attempted_at LIMIT 20) AS "attemptLog"`;

/** `whsec_` and 24 random bytes in base64, as the Standard Webhooks libraries expect. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

const EVENT_TYPE = /^(\*|[a-z]+\.[a-z_]+|[a-z]+\.\*)$/;

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badUserInput('url', 'url must be an absolute URL, e.g. https://example.org/hooks');
  }
  const allowed = webhookSettings().allowLoopback ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) throw badUserInput('url', 'url must use https');
  if (url.username || url.password) {
    throw badUserInput('url', 'url must not carry credentials; verify signatures instead');
  }
  return url.toString();
}

export async function createWebhookEndpoint(
  ctx: RequestContext,
  input: CreateWebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const tenantId = ctx.access.tenantForCode(Capability.ADMIN, input.tenantCode);
  if (!tenantId) throw forbidden(`You do not administer ${input.tenantCode}`);
  const url = checkUrl(input.url);
  const eventTypes = [...new Set(input.eventTypes.map((t) => t.trim()))];
  const bad = eventTypes.find((t) => !EVENT_TYPE.test(t));
  if (bad !== undefined) {
    throw badUserInput('eventTypes', `"${bad}" is not an event type like activity.created or *`);
  }
  const [endpoint] = await ctx.tx.query<WebhookEndpoint>(
    `INSERT INTO webhook_endpoints AS e (tenant_id, url, description, event_types, created_by)
     VALUES ($1, $2, $3, $4::text[], $5) RETURNING ${ENDPOINT_COLUMNS}`,
    [tenantId, url, input.description?.trim() || null, eventTypes, ctx.access.actor],
  );
  const secret = newSecret();
  await ctx.tx.query(
    `INSERT INTO webhook_endpoint_secrets (tenant_id, endpoint_id, secret) VALUES ($1, $2, $3)`,
    [tenantId, endpoint!.id, secret],
  );
  await recordAudit(ctx, {
    tenantId,
    action: 'CREATE',
    entityType: 'WebhookEndpoint',
    entityId: endpoint!.id,
    before: null,
    after: { url, eventTypes, description: endpoint!.description },
  });
  return { endpoint: endpoint!, secret };
}

async function administeredEndpoint(ctx: RequestContext, id: string): Promise<WebhookEndpoint> {
  const params: unknown[] = [id];
  const scope = ctx.access.tenantScopeSql(Capability.ADMIN, 'e.tenant_id', params);
  const [endpoint] = await ctx.tx.query<WebhookEndpoint>(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints e WHERE e.id = $1 AND ${scope}`,
    params,
  );
  if (!endpoint) throw notFound('WebhookEndpoint');
  return endpoint;
}

/** A new secret; the current ones keep signing until the grace period ends. */
export async function rotateWebhookSecret(ctx: RequestContext, input: RotateWebhookSecretInput) {
  const endpoint = await administeredEndpoint(ctx, input.id);
  const [ends] = await ctx.tx.query<{ at: Date }>(
    `UPDATE webhook_endpoint_secrets s SET expires_at = now() + make_interval(hours => $3)
      WHERE s.tenant_id = $1 AND s.endpoint_id = $2
        AND (s.expires_at IS NULL OR s.expires_at > now() + make_interval(hours => $3))
      RETURNING s.expires_at AS at`,
    [endpoint.tenantId, endpoint.id, input.gracePeriodHours],
  );
  const secret = newSecret();
  await ctx.tx.query(
    `INSERT INTO webhook_endpoint_secrets (tenant_id, endpoint_id, secret) VALUES ($1, $2, $3)`,
    [endpoint.tenantId, endpoint.id, secret],
  );
  await recordAudit(ctx, {
    tenantId: endpoint.tenantId,
    action: 'UPDATE',
    entityType: 'WebhookEndpoint',
    entityId: endpoint.id,
    before: null,
    after: { secretRotated: true, gracePeriodHours: input.gracePeriodHours },
  });
  return {
    endpoint,
    secret,
    previousSecretExpiresAt: ends?.at ?? new Date(Date.now() + input.gracePeriodHours * 3_600_000),
  };
}

export async function disableWebhookEndpoint(ctx: RequestContext, id: string) {
  const endpoint = await administeredEndpoint(ctx, id);
  if (endpoint.disabledAt) return endpoint;
  const [updated] = await ctx.tx.query<WebhookEndpoint>(
    `UPDATE webhook_endpoints e SET disabled_at = now(), disabled_reason = 'Disabled by an administrator',
       updated_at = now(), version = e.version + 1
     WHERE e.tenant_id = $1 AND e.id = $2 RETURNING ${ENDPOINT_COLUMNS}`,
    [endpoint.tenantId, endpoint.id],
  );
  await recordAudit(ctx, {
    tenantId: endpoint.tenantId,
    action: 'UPDATE',
    entityType: 'WebhookEndpoint',
    entityId: endpoint.id,
    before: { disabledAt: null },
    after: { disabledAt: updated!.disabledAt },
  });
  return updated!;
}

export function listWebhookEndpoints(
  ctx: RequestContext,
  args: WebhookEndpointsArgs,
): Promise<Page<WebhookEndpoint>> {
  const params: unknown[] = [];
  return fetchPage<WebhookEndpoint>(ctx, {
    select: ENDPOINT_COLUMNS,
    from: 'webhook_endpoints e',
    where: [ctx.access.tenantScopeSql(Capability.ADMIN, 'e.tenant_id', params)],
    params,
    sort: { column: 'e.created_at', cast: 'timestamptz', value: (e) => e.createdAt },
    idColumn: 'e.id',
    direction: OrderDirection.DESC,
    first: args.first,
    after: args.after,
  });
}

export function listWebhookDeliveries(
  ctx: RequestContext,
  args: WebhookDeliveriesArgs,
): Promise<Page<WebhookDelivery>> {
  const params: unknown[] = [args.endpointId];
  return fetchPage<WebhookDelivery>(ctx, {
    select: DELIVERY_COLUMNS,
    from: 'webhook_deliveries d',
    where: [
      'd.endpoint_id = $1',
      ctx.access.tenantScopeSql(Capability.ADMIN, 'd.tenant_id', params),
    ],
    params,
    sort: { column: 'd.created_at', cast: 'timestamptz', value: (d) => d.createdAt },
    idColumn: 'd.id',
    direction: OrderDirection.DESC,
    first: args.first,
    after: args.after,
  });
}

/** Queues a delivery again now, whatever its state; its webhook-id stays the same. */
export async function redeliverWebhook(ctx: RequestContext, id: string): Promise<WebhookDelivery> {
  const params: unknown[] = [id];
  const scope = ctx.access.tenantScopeSql(Capability.ADMIN, 'd.tenant_id', params);
  const [found] = await ctx.tx.query<{ tenantId: string }>(
    `UPDATE webhook_deliveries d SET state = 'PENDING', attempts = 0, next_attempt_at = now(),
       updated_at = now()
     WHERE d.id = $1 AND ${scope} RETURNING d.tenant_id AS "tenantId"`,
    params,
  );
  if (!found) throw notFound('WebhookDelivery');
  const [delivery] = await ctx.tx.query<WebhookDelivery>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d WHERE d.tenant_id = $1 AND d.id = $2`,
    [found.tenantId, id],
  );
  await recordAudit(ctx, {
    tenantId: found.tenantId,
    action: 'UPDATE',
    entityType: 'WebhookDelivery',
    entityId: id,
    before: null,
    after: { redelivered: true },
  });
  return delivery!;
}
