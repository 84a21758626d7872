import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, type ClassType, Field, InputType } from 'type-graphql';
import { AgeBand } from '../modules/activity/activity.entity';
import { PageArgs } from './connection';
import { IsCleanText } from './validation';
import { DeleteRowInput, VersionedRowInput } from './write-inputs';

/*
 * The input fields every kind of project row shares (activities, measurements), declared
 * once. Abstract types: only the concrete inputs built on them appear in the schema.
 */

/** The filter fields of every list of a project's rows; `items` names them (`activities`). */
export function ProjectRowFilterInput(items: string) {
  @InputType()
  abstract class ProjectRowFilter {
    @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
    @IsOptional()
    @ArrayMaxSize(50)
    tenantCodes?: string[];

    @Field(() => [UUIDResolver], {
      nullable: true,
      description: `Only ${items} of these projects.`,
    })
    @IsOptional()
    @ArrayMaxSize(100)
    projectIds?: string[];

    @Field(() => [UUIDResolver], {
      nullable: true,
      description: `Only ${items} in these communities.`,
    })
    @IsOptional()
    @ArrayMaxSize(100)
    communityIds?: string[];

    @Field(() => Date, {
      nullable: true,
      description: `Only ${items} changed at or after this time (their updatedAt). A sync that must miss nothing reads \`changes\` instead: a write that commits late can carry an earlier time.`,
    })
    @IsOptional()
    updatedSince?: Date;

    @Field(() => [String], {
      nullable: true,
      description: `Only ${items} with one of these externalIds (1 to 100). An externalId is unique per tenant and recording organisation: where several organisations record for a project, \`recordedBy\` tells their rows apart.`,
    })
    @IsOptional()
    @ArrayMaxSize(100)
    @MaxLength(200, { each: true })
    externalIds?: string[];
  }
  return ProjectRowFilter;
}

/**
 * The arguments of a list of a project's rows: paging, the kind's filter and order.
 * `items` names the rows (`activities`), `byDefault` their order when none is given.
 */
export function ProjectRowListArgs<F extends object, O extends object>(
  Filter: ClassType<F>,
  Order: ClassType<O>,
  items: string,
  byDefault: string,
) {
  @ArgsType()
  class ListArgs extends PageArgs {
    @Field(() => Filter, { nullable: true, description: `Conditions on the ${items}.` })
    // class-validator checks a nested input only when told to.
    @ValidateNested()
    filter?: F | null;

    @Field(() => Order, { nullable: true, description: `Sort order; ${byDefault} when omitted.` })
    orderBy?: O | null;
  }
  return ListArgs;
}

/** What `force` says on every write of a project's rows. */
export const FORCE_DESCRIPTION =
  'Platform admins only: write even into a locked reporting period (approved, or outside its input window); audited as forced. Anyone else asking is FORBIDDEN.';

/** A create input: the kind's values and the client's own optional identifier. */
export function WithExternalId<T extends ClassType>(Values: T) {
  @InputType()
  class WithExternalIdInput extends Values {
    @Field({ defaultValue: false, description: FORCE_DESCRIPTION })
    force!: boolean;

    @Field(() => String, {
      nullable: true,
      description: 'Your own identifier for the row (unique per tenant and your organisation).',
    })
    @IsOptional()
    @IsCleanText(200)
    externalId?: string | null;
  }
  return WithExternalIdInput;
}

/** An import item: the kind's values, keyed by the client's own identifier. */
export function KeyedByExternalId<T extends ClassType>(Values: T) {
  @InputType()
  class KeyedItem extends Values {
    @Field({
      description:
        'Your own id for the row (unique per tenant and your organisation): how a re-sent item finds it.',
    })
    @IsCleanText(200)
    externalId!: string;
  }
  return KeyedItem;
}

/** The fields every update of a project's row may change besides the kind's own. */
@InputType()
export abstract class ProjectRowUpdateInput extends VersionedRowInput {
  @Field({ defaultValue: false, description: FORCE_DESCRIPTION })
  force?: boolean;

  @Field(() => UUIDResolver, { nullable: true, description: 'The community; null clears it.' })
  @IsOptional()
  communityId?: string | null;

  @Field(() => AgeBand, { nullable: true, description: 'Age band; null clears it.' })
  @IsOptional()
  ageBand?: AgeBand | null;

  @Field(() => String, { nullable: true, description: 'Your identifier; null clears it.' })
  @IsOptional()
  @IsCleanText(200)
  externalId?: string | null;
}

@InputType({ description: 'Which activity or measurement to delete, at which version.' })
export class DeleteProjectRowInput extends DeleteRowInput {
  @Field({ defaultValue: false, description: FORCE_DESCRIPTION })
  force!: boolean;
}
