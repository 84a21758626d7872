import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { AuditPrincipalKind } from './audit-event.entity';

registerEnumType(AuditPrincipalKind, {
  name: 'AuditPrincipalKind',
  description: 'What kind of principal caused an audit event.',
});

@ObjectType({ description: 'One entry of a tenant’s append-only audit log: who changed what.' })
export class AuditEvent {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;
  organisationId!: string | null;

  @Field({ description: 'When it happened.' })
  occurredAt!: Date;

  @Field(() => String, {
    nullable: true,
    description:
      'The request it happened in: the id the server gave it (the X-Request-Id response header).',
  })
  requestId!: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The X-Request-Id the client sent with that request, if any: its own label, recorded apart from the server’s id.',
  })
  clientRequestId!: string | null;

  @Field(() => AuditPrincipalKind, { description: 'A user, an API key or the system.' })
  principalKind!: AuditPrincipalKind;

  @Field({ description: 'Id of the user or API key that acted.' })
  principalId!: string;

  @Field({ description: 'What was done: CREATE, UPDATE, DELETE or RESTORE.' })
  action!: string;

  @Field({ description: 'The type of the row changed: Project, Community, Activity, …' })
  entityType!: string;

  @Field(() => String, { nullable: true, description: 'Id of the row changed.' })
  entityId!: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'The changed fields before the change; null for a creation.',
  })
  before!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'The changed fields after the change; null for a hard deletion.',
  })
  after!: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Context of the change, e.g. the bulk import it was part of.',
  })
  details!: Record<string, unknown> | null;
}

export const AuditEventConnection = Connection(AuditEvent, 'AuditEvent');
