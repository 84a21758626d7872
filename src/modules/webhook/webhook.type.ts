import { UUIDResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';

export enum WebhookDeliveryState {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  DEAD = 'DEAD',
}

registerEnumType(WebhookDeliveryState, {
  name: 'WebhookDeliveryState',
  description: 'Where a delivery stands.',
  valuesConfig: {
    PENDING: { description: 'Waiting for its first attempt or its next retry.' },
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    DEAD: {
      description:
        'Given up (dead-lettered): every retry failed, or the endpoint answered 410 Gone; redeliverWebhook tries again.',
    },
  },
});

@ObjectType({ description: 'A URL of a tenant’s that is sent signed events (Standard Webhooks).' })
export class WebhookEndpoint {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;

  @Field({ description: 'Where events are POSTed (https, a public address).' })
  url!: string;

  @Field(() => String, { nullable: true, description: 'What it is for, in the admin’s words.' })
  description!: string | null;

  @Field(() => [String], {
    description: 'The event types it receives, e.g. activity.created; `*` for every type.',
  })
  eventTypes!: string[];

  @Field(() => Date, {
    nullable: true,
    description: 'When it was disabled (by an admin, or by a 410 Gone answer); null if active.',
  })
  disabledAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was disabled.' })
  disabledReason!: string | null;

  @Field({ description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency.' })
  version!: number;
}

@ObjectType({ description: 'One HTTP attempt of a delivery.' })
export class WebhookAttempt {
  @Field({ description: 'When it was made.' })
  attemptedAt!: Date;

  @Field(() => Int, { description: 'How long it took, in milliseconds.' })
  durationMs!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The HTTP status answered; null if none (timeout, refused address, …).',
  })
  status!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong, if anything.' })
  error!: string | null;
}

@ObjectType({ description: 'One event sent (or to be sent) to one endpoint, with its attempts.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;

  @Field(() => UUIDResolver, { description: 'The endpoint it goes to.' })
  endpointId!: string;

  @Field({ description: 'The `webhook-id` header: the same on every attempt of this event.' })
  webhookId!: string;

  @Field({ description: 'The event type, e.g. activity.updated.' })
  eventType!: string;

  @Field(() => WebhookDeliveryState, { description: 'Where it stands.' })
  state!: WebhookDeliveryState;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Date, { nullable: true, description: 'When the next attempt is due, if pending.' })
  nextAttemptAt!: Date | null;

  @Field(() => Int, { nullable: true, description: 'The last HTTP status answered.' })
  lastStatus!: number | null;

  @Field(() => String, { nullable: true, description: 'The last error, if any.' })
  lastError!: string | null;

  @Field({ description: 'When the event was queued.' })
  createdAt!: Date;

  @Field(() => [WebhookAttempt], { description: 'Every attempt, oldest first (at most 20).' })
  attemptLog!: WebhookAttempt[];
}

@ObjectType({ description: 'A new endpoint and its signing secret, shown this once.' })
export class CreateWebhookEndpointPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field({
    description: 'The signing secret (`whsec_…`): shown only now; verify signatures with it.',
  })
  secret!: string;
}

@ObjectType({ description: 'An endpoint’s new signing secret, shown this once.' })
export class RotateWebhookSecretPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field({ description: 'The new secret (`whsec_…`): shown only now.' })
  secret!: string;

  @Field({ description: 'Until when deliveries are also signed with the old secret.' })
  previousSecretExpiresAt!: Date;
}

export const WebhookEndpointConnection = Connection(WebhookEndpoint, 'WebhookEndpoint');
export const WebhookDeliveryConnection = Connection(WebhookDelivery, 'WebhookDelivery');
