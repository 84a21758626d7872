import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import {
  CreateWebhookEndpointInput,
  DisableWebhookEndpointInput,
  RedeliverWebhookInput,
  RotateWebhookSecretInput,
  WebhookDeliveriesArgs,
  WebhookEndpointsArgs,
} from './webhook.inputs';
import {
  createWebhookEndpoint,
  disableWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  rotateWebhookSecret,
} from './webhook.service';
import {
  CreateWebhookEndpointPayload,
  RotateWebhookSecretPayload,
  WebhookDelivery,
  WebhookDeliveryConnection,
  WebhookEndpoint,
  WebhookEndpointConnection,
} from './webhook.type';

@Resolver(() => WebhookEndpoint)
export class WebhookResolver {
  @Query(() => WebhookEndpointConnection, {
    description: 'The webhook endpoints of the tenants you administer, newest first.',
  })
  async webhookEndpoints(@Args() args: WebhookEndpointsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(WebhookEndpointConnection, await listWebhookEndpoints(ctx, args));
  }

  @Query(() => WebhookDeliveryConnection, {
    description: 'The deliveries to one endpoint, newest first, with their attempts.',
  })
  async webhookDeliveries(@Args() args: WebhookDeliveriesArgs, @Ctx() ctx: RequestContext) {
    return toConnection(WebhookDeliveryConnection, await listWebhookDeliveries(ctx, args));
  }

  @Mutation(() => CreateWebhookEndpointPayload, {
    description: 'Creates an endpoint; its signing secret is in the answer, this once only.',
  })
  createWebhookEndpoint(
    @Arg('input', { description: 'Tenant, URL, event types and description.' })
    input: CreateWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ) {
    return createWebhookEndpoint(ctx, input);
  }

  @Mutation(() => RotateWebhookSecretPayload, {
    description:
      'Gives an endpoint a new secret; deliveries carry signatures of both until the grace period ends.',
  })
  rotateWebhookSecret(
    @Arg('input', { description: 'The endpoint and the grace period.' })
    input: RotateWebhookSecretInput,
    @Ctx() ctx: RequestContext,
  ) {
    return rotateWebhookSecret(ctx, input);
  }

  @Mutation(() => WebhookEndpoint, { description: 'Stops deliveries to an endpoint.' })
  disableWebhookEndpoint(
    @Arg('input', { description: 'The endpoint.' }) input: DisableWebhookEndpointInput,
    @Ctx() ctx: RequestContext,
  ) {
    return disableWebhookEndpoint(ctx, input.id);
  }

  @Mutation(() => WebhookDelivery, {
    description: 'Sends a delivery again now (a dead one too), under the same webhook-id.',
  })
  redeliverWebhook(
    @Arg('input', { description: 'The delivery.' }) input: RedeliverWebhookInput,
    @Ctx() ctx: RequestContext,
  ) {
    return redeliverWebhook(ctx, input.id);
  }
}
