import { IsInt, IsOptional, Matches, MaxLength, Min } from 'class-validator';
import { UUIDResolver } from 'graphql-scalars';
import { Field, InputType, Int } from 'type-graphql';

/** The form of an IATI organisation identifier: registration agency prefix, then its number. */
export const IATI_IDENTIFIER = /^[A-Z]{2}-[A-Za-z0-9]+-[A-Za-z0-9._-]+$/;

@InputType({ description: 'An organisation’s IATI organisation identifier, set or cleared.' })
export class SetOrganisationIatiIdentifierInput {
  @Field(() => UUIDResolver, { description: 'The organisation.' })
  organisationId!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'The identifier: the registration agency’s prefix (IATI OrganisationRegistrationAgency codelist) and the number it gave, e.g. GB-CHC-327553, GB-GOV-1, XM-DAC-41146. Null clears it.',
  })
  @IsOptional()
  @MaxLength(100)
  @Matches(IATI_IDENTIFIER, {
    message: 'must be an IATI organisation identifier such as GB-CHC-327553 (prefix, then number)',
  })
  iatiIdentifier?: string | null;

  @Field(() => Int, { description: 'The version you last read; CONFLICT when it is stale.' })
  @IsInt()
  @Min(1)
  expectedVersion!: number;
}
