import { ArrayMaxSize, IsEmail, IsOptional, MaxLength } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { ArgsType, Field, InputType } from 'type-graphql';
import { Role } from '../../auth/principal';
import { PageArgs } from '../../common/connection';

@InputType({
  description: 'A role to give a user in a tenant you administer, on behalf of an organisation.',
})
export class CreateMembershipInput {
  @Field(() => UUIDResolver, {
    nullable: true,
    description: 'The user, by id; give this or userEmail.',
  })
  @IsOptional()
  userId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The user, by e-mail address; give this or userId. Recorded as an invitation that takes effect when a user with this address signs in, whether or not one exists yet.',
  })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  userEmail?: string | null;

  @Field(() => UUIDResolver, { description: 'The organisation the user acts for in the tenant.' })
  organisationId!: string;

  @Field({ description: 'The tenant, by country code (e.g. TJ); one you administer.' })
  @MaxLength(10)
  tenantCode!: string;

  @Field(() => Role, { description: 'The role to give; PLATFORM_ADMIN cannot be given this way.' })
  role!: Role;
}

@InputType({ description: 'The membership to revoke.' })
export class RevokeMembershipInput {
  @Field(() => UUIDResolver, { description: 'The membership id.' })
  id!: string;
}

@InputType({ description: 'Narrows a list of memberships; all given conditions must hold.' })
export class MembershipFilter {
  @Field(() => [String], { nullable: true, description: 'Only these tenants (country codes).' })
  @IsOptional()
  @ArrayMaxSize(50)
  tenantCodes?: string[] | null;

  @Field(() => UUIDResolver, { nullable: true, description: "Only this user's memberships." })
  @IsOptional()
  userId?: string | null;

  @Field({ defaultValue: false, description: 'Include revoked memberships as well.' })
  includeRevoked!: boolean;
}

@ArgsType()
export class MembershipsArgs extends PageArgs {
  @Field(() => MembershipFilter, { nullable: true, description: 'Conditions on the memberships.' })
  filter?: MembershipFilter | null;
}
