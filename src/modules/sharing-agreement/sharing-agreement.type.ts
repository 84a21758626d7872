import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../common/connection';
import { OutcomeDimension } from '../outcome/outcome.inputs';
import { AggregationLevel } from './sharing-agreement.entity';

registerEnumType(AggregationLevel, {
  name: 'AggregationLevel',
  description: 'The finest geographic level a sharing agreement lets aggregates be broken down to.',
  valuesConfig: {
    TENANT: { description: 'Totals per tenant (country) only.' },
    REGION: { description: 'Down to regions of the tenant.' },
    PROJECT: { description: 'Down to single projects.' },
  },
});

@ObjectType({
  description:
    'How the cells an agreement shares are perturbed by the cell-key method (docs/disclosure-control.md).',
})
export class Perturbation {
  @Field(() => Int, { description: 'The largest deviation added to a count (D).' })
  maxDeviation!: number;

  @Field(() => Float, { description: 'The variance of a count’s deviation (V).' })
  deviationVariance!: number;

  @Field(() => Float, {
    description: 'How many respondents’ worth of itself a mean may move by.',
  })
  valueDeviation!: number;
}

@ObjectType({
  description:
    "A tenant's consent, approved by its admin, that one organisation may read aggregates of some indicators, grouped only in the ways it allows, with small cells suppressed and the rest perturbed.",
})
export class SharingAgreement {
  @Field(() => ID, { description: 'Stable identifier (UUID).' })
  id!: string;

  tenantId!: string;
  recipientOrganisationId!: string;
  indicatorIds!: string[];

  @Field(() => [OutcomeDimension], { description: 'Dimensions the recipient may group by.' })
  allowedGroupBy!: OutcomeDimension[];

  @Field(() => AggregationLevel, { description: 'The finest geographic level shared.' })
  finestLevel!: AggregationLevel;

  @Field(() => Int, {
    description:
      "Smallest number of respondents a shared cell may rest on (never below the tenant's default).",
  })
  minCellSize!: number;

  @Field(() => Perturbation, { description: 'How the cells it shares are perturbed.' })
  perturbation!: Perturbation;

  @Field({ description: 'When it comes into force.' })
  validFrom!: Date;

  @Field(() => Date, { nullable: true, description: 'When it ends; null: no end date.' })
  expiresAt!: Date | null;

  @Field({ description: 'Who approved it (the admin who created it).' })
  approvedBy!: string;

  @Field({ description: 'When it was approved.' })
  approvedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was revoked; null if it was not.' })
  revokedAt!: Date | null;

  @Field({ description: 'Whether it is in force now: started, not expired, not revoked.' })
  inForce!: boolean;

  @Field(() => Int, { description: 'Row version, for optimistic concurrency on updates.' })
  version!: number;

  @Field({ description: 'When the row was created.' })
  createdAt!: Date;
}

export const SharingAgreementConnection = Connection(SharingAgreement, 'SharingAgreement');

@ObjectType({ description: 'The result of createSharingAgreement.' })
export class CreateSharingAgreementPayload {
  @Field(() => SharingAgreement, { description: 'The new agreement.' })
  sharingAgreement!: SharingAgreement;
}

@ObjectType({ description: 'The result of revokeSharingAgreement.' })
export class RevokeSharingAgreementPayload {
  @Field(() => SharingAgreement, {
    description: 'The agreement, now revoked: it stops sharing on the next request.',
  })
  sharingAgreement!: SharingAgreement;
}
