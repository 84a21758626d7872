import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../common/connection';

/** Every action the audit log records (the `action` column). */
export enum AuditAction {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  DELETE = 'DELETE',
  RESTORE = 'RESTORE',
  REVOKE = 'REVOKE',
  ACCEPT = 'ACCEPT',
  AGGREGATE_READ = 'AGGREGATE_READ',
  TRANSLATE = 'TRANSLATE',
}

registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'What an audit event records being done.',
  valuesConfig: {
    CREATE: { description: 'A row was created (a membership granted, a key made, …).' },
    UPDATE: { description: 'Fields of a row changed.' },
    DELETE: { description: 'A row was deleted (softly, for activities and measurements).' },
    RESTORE: { description: 'A softly deleted activity or measurement was brought back.' },
    REVOKE: { description: 'A membership, API key or sharing agreement was revoked.' },
    ACCEPT: { description: 'An invitation was taken up by the user its e-mail address names.' },
    AGGREGATE_READ: { description: 'An analyst read aggregates under a sharing agreement.' },
    TRANSLATE: { description: 'Translations of a row’s texts were set or removed.' },
  },
});

/** Every kind of row the audit log names (the `entity_type` column: GraphQL type names). */
export enum AuditEntityType {
  Project = 'Project',
  Community = 'Community',
  Indicator = 'Indicator',
  Activity = 'Activity',
  Measurement = 'Measurement',
  TenantMembership = 'TenantMembership',
  ApiKey = 'ApiKey',
  SharingAgreement = 'SharingAgreement',
  WebhookEndpoint = 'WebhookEndpoint',
  WebhookDelivery = 'WebhookDelivery',
  Tenant = 'Tenant',
}

registerEnumType(AuditEntityType, {
  name: 'AuditEntityType',
  description: 'The kind of row an audit event is about (its GraphQL type).',
  valuesConfig: {
    Project: { description: 'A project.' },
    Community: { description: 'A community.' },
    Indicator: { description: "A tenant's own indicator." },
    Activity: { description: 'An activity.' },
    Measurement: { description: 'A measurement.' },
    TenantMembership: { description: "A user's role in a tenant." },
    ApiKey: { description: 'An API key (never its secret).' },
    SharingAgreement: { description: 'A sharing agreement, or an aggregate read under one.' },
    WebhookEndpoint: { description: 'A webhook endpoint (never its secret).' },
    WebhookDelivery: { description: 'A webhook delivery sent again by an admin.' },
    Tenant: { description: 'A tenant (its languages, set by its admins).' },
  },
});

@InputType({ description: 'Narrows the audit log; all given conditions must hold.' })
export class AuditEventFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [AuditEntityType], {
    nullable: true,
    description: 'Only events about rows of these kinds.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  entityTypes?: AuditEntityType[];

  @Field({ nullable: true, description: 'Only events of this row.' })
  @IsOptional()
  @MaxLength(100)
  entityId?: string;

  @Field(() => [AuditAction], { nullable: true, description: 'Only events of these actions.' })
  @IsOptional()
  @ArrayMaxSize(20)
  actions?: AuditAction[];

  @Field({ nullable: true, description: 'Only events at or after this time.' })
  @IsOptional()
  from?: Date;

  @Field({ nullable: true, description: 'Only events before this time.' })
  @IsOptional()
  to?: Date;
}

@ArgsType()
export class AuditEventsArgs extends PageArgs {
  @Field(() => AuditEventFilter, { nullable: true, description: 'Conditions on the events.' })
  filter?: AuditEventFilter | null;
}
