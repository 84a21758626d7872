import { UUIDResolver } from 'graphql-scalars';
import { ArrayMaxSize, ArrayMinSize, IsOptional, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { PageArgs } from '../../common/connection';

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field({ description: 'The tenant whose events it receives (country code).' })
  @MaxLength(8)
  tenantCode!: string;

  @Field({ description: 'An https URL on a public address (checked again at each delivery).' })
  @MaxLength(2000)
  url!: string;

  @Field(() => [String], {
    description: 'Event types (e.g. activity.created, measurement.updated) or `*` for all.',
  })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @MaxLength(80, { each: true })
  eventTypes!: string[];

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  @IsOptional()
  @MaxLength(500)
  description?: string | null;
}

@InputType({ description: 'Which endpoint gets a new secret, and how long the old one stays.' })
export class RotateWebhookSecretInput {
  @Field(() => UUIDResolver, { description: 'The endpoint.' })
  id!: string;

  @Field(() => Int, {
    defaultValue: 24,
    description: 'Hours during which deliveries carry signatures of both secrets (0–168).',
  })
  @Min(0)
  @Max(168)
  gracePeriodHours!: number;
}

@InputType({ description: 'The endpoint to disable.' })
export class DisableWebhookEndpointInput {
  @Field(() => UUIDResolver, { description: 'The endpoint.' })
  id!: string;
}

@InputType({ description: 'The delivery to send again.' })
export class RedeliverWebhookInput {
  @Field(() => UUIDResolver, { description: 'The delivery (its webhook-id stays the same).' })
  id!: string;
}

@ArgsType()
export class WebhookEndpointsArgs extends PageArgs {}

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => UUIDResolver, { description: 'The endpoint whose deliveries to list.' })
  endpointId!: string;
}
