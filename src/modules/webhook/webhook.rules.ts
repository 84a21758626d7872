import { administers, pagedNode } from '../../permissions/rules';
import type { ModuleRules } from '../../permissions/rules';

/** Webhooks: tenant administrators only (API keys need the admin scope). */
export const WEBHOOK_RULES: ModuleRules = {
  Query: { webhookEndpoints: administers, webhookDeliveries: administers },
  Mutation: {
    createWebhookEndpoint: administers,
    rotateWebhookSecret: administers,
    disableWebhookEndpoint: administers,
    redeliverWebhook: administers,
  },
  ...pagedNode('WebhookEndpoint', administers),
  ...pagedNode('WebhookDelivery', administers),
  WebhookAttempt: administers,
  CreateWebhookEndpointPayload: administers,
  RotateWebhookSecretPayload: administers,
};
