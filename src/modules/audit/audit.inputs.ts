import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { ArgsType, Field, InputType } from 'type-graphql';
import { PageArgs } from '../../common/connection';

@InputType({ description: 'Narrows the audit log; all given conditions must hold.' })
export class AuditEventFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field({ nullable: true, description: 'Only rows of this type, e.g. Activity.' })
  @IsOptional()
  @MaxLength(100)
  entityType?: string;

  @Field({ nullable: true, description: 'Only events of this row.' })
  @IsOptional()
  @MaxLength(100)
  entityId?: string;

  @Field({ nullable: true, description: 'Only this action: CREATE, UPDATE, DELETE or RESTORE.' })
  @IsOptional()
  @MaxLength(50)
  action?: string;

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
