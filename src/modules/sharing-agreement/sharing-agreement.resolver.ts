import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { indicatorById } from '../indicator/indicator.loaders';
import { Indicator } from '../indicator/indicator.type';
import { organisationById } from '../organisation/organisation.loaders';
import { Organisation } from '../organisation/organisation.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import {
  CreateSharingAgreementInput,
  RevokeSharingAgreementInput,
  SharingAgreementsArgs,
} from './sharing-agreement.inputs';
import {
  createSharingAgreement,
  listSharingAgreements,
  revokeSharingAgreement,
} from './sharing-agreement.service';
import {
  CreateSharingAgreementPayload,
  RevokeSharingAgreementPayload,
  SharingAgreement,
  SharingAgreementConnection,
} from './sharing-agreement.type';

@Resolver(() => SharingAgreement)
export class SharingAgreementResolver {
  // Nullable: denied to a caller who administers nothing, it nulls only itself.
  @Query(() => SharingAgreementConnection, {
    nullable: true,
    description:
      'Sharing agreements of the tenants you administer, oldest first, revoked and expired ones included. Null if you administer no tenant.',
  })
  async sharingAgreements(@Args() args: SharingAgreementsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(SharingAgreementConnection, await listSharingAgreements(ctx, args));
  }

  @Mutation(() => CreateSharingAgreementPayload, {
    description:
      'Shares aggregates of some indicators of a tenant you administer with one organisation, from now or a given time.',
  })
  async createSharingAgreement(
    @Arg('input', () => CreateSharingAgreementInput, {
      description: 'The tenant that shares, the recipient, and what is shared under which rules.',
    })
    input: CreateSharingAgreementInput,
    @Ctx() ctx: RequestContext,
  ): Promise<CreateSharingAgreementPayload> {
    return { sharingAgreement: await createSharingAgreement(ctx, input) };
  }

  @Mutation(() => RevokeSharingAgreementPayload, {
    description: 'Revokes a sharing agreement of a tenant you administer, from the next request.',
  })
  async revokeSharingAgreement(
    @Arg('input', () => RevokeSharingAgreementInput, {
      description: 'Which agreement to revoke.',
    })
    input: RevokeSharingAgreementInput,
    @Ctx() ctx: RequestContext,
  ): Promise<RevokeSharingAgreementPayload> {
    return { sharingAgreement: await revokeSharingAgreement(ctx, input) };
  }

  @FieldResolver(() => Tenant, { description: 'The sharing tenant.' })
  tenant(@Root() agreement: SharingAgreement, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(agreement.tenantId);
  }

  @FieldResolver(() => Organisation, {
    description: 'The organisation aggregates are shared with.',
  })
  recipientOrganisation(@Root() agreement: SharingAgreement, @Ctx() ctx: RequestContext) {
    return organisationById(ctx).load(agreement.recipientOrganisationId);
  }

  @FieldResolver(() => [Indicator], { description: 'The indicators shared.' })
  async indicators(
    @Root() agreement: SharingAgreement,
    @Ctx() ctx: RequestContext,
  ): Promise<Indicator[]> {
    const loaded = await indicatorById(ctx).loadMany(agreement.indicatorIds);
    const failed = loaded.find((indicator) => indicator instanceof Error);
    if (failed) throw failed;
    return loaded.filter((i): i is Indicator => i !== null && !(i instanceof Error));
  }
}
