import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType, registerEnumType } from 'type-graphql';
import { OrderDirection, PageArgs } from '../../common/connection';
import { ProjectStatus } from './project.entity';

export enum ProjectOrderField {
  NAME = 'NAME',
  CODE = 'CODE',
  START_DATE = 'START_DATE',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ProjectOrderField, {
  name: 'ProjectOrderField',
  description: 'Fields projects can be sorted by.',
});

@InputType({ description: 'Narrows a list of projects; all given conditions must hold.' })
export class ProjectFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[];

  @Field(() => [ProjectStatus], { nullable: true, description: 'Only these statuses.' })
  @IsOptional()
  status?: ProjectStatus[];

  @Field(() => [UUIDResolver], {
    nullable: true,
    description: 'Only projects these organisations implement, fund or partner in.',
  })
  @IsOptional()
  @ArrayMaxSize(100)
  organisationIds?: string[];

  @Field({ nullable: true, description: 'Name or code contains this text (case-insensitive).' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}

@InputType({ description: 'How to sort projects.' })
export class ProjectOrder {
  @Field(() => ProjectOrderField, { description: 'The field to sort by.' })
  field!: ProjectOrderField;

  @Field(() => OrderDirection, { defaultValue: OrderDirection.ASC, description: 'The direction.' })
  direction!: OrderDirection;
}

@ArgsType()
export class ProjectsArgs extends PageArgs {
  @Field(() => ProjectFilter, { nullable: true, description: 'Conditions on the projects.' })
  // class-validator checks a nested input only when told to.
  @ValidateNested()
  filter?: ProjectFilter | null;

  @Field(() => ProjectOrder, { nullable: true, description: 'Sort order; by name when omitted.' })
  orderBy?: ProjectOrder | null;
}
