import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { DeleteRowInput } from '../../common/write-inputs';
import { CreateIndicatorInput, IndicatorsArgs, UpdateIndicatorInput } from './indicator.inputs';
import {
  createIndicator,
  deleteIndicator,
  listIndicators,
  updateIndicator,
} from './indicator.service';
import { indicatorById } from './indicator.loaders';
import { Indicator, IndicatorConnection } from './indicator.type';
import { INDICATOR_TEXTS } from '../translation/translation.kinds';
import { saveTranslations, writtenRow } from '../translation/translation.service';
import { DEFAULT_LANGUAGE } from '../translation/translation.languages';

@Resolver(() => Indicator)
export class IndicatorResolver {
  @Query(() => IndicatorConnection, {
    description: 'Indicators: the global ones and your tenants’ own.',
  })
  async indicators(@Args() args: IndicatorsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(IndicatorConnection, await listIndicators(ctx, args));
  }

  @Mutation(() => Indicator, {
    description: "Creates one of a tenant's own indicators (tenant admins).",
  })
  async createIndicator(
    @Arg('input', { description: 'The new indicator.' }) input: CreateIndicatorInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await createIndicator(ctx, input);
    await saveTranslations(
      ctx,
      INDICATOR_TEXTS,
      writtenRow(INDICATOR_TEXTS, written),
      input.translations,
    );
    return written;
  }

  @Mutation(() => Indicator, {
    description:
      'Changes a tenant indicator (tenant admins); CONFLICT when expectedVersion is stale.',
  })
  async updateIndicator(
    @Arg('input', { description: 'Which indicator, at which version, and what to change.' })
    input: UpdateIndicatorInput,
    @Ctx() ctx: RequestContext,
  ) {
    const written = await updateIndicator(ctx, input);
    await saveTranslations(
      ctx,
      INDICATOR_TEXTS,
      writtenRow(INDICATOR_TEXTS, written),
      input.translations,
      input.sourceLanguage !== undefined,
    );
    return written;
  }

  @Mutation(() => Indicator, {
    description:
      'Deletes a tenant indicator nothing refers to (tenant admins); returns it as it was.',
  })
  deleteIndicator(
    @Arg('input', { description: 'Which indicator, at which version.' }) input: DeleteRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return deleteIndicator(ctx, input);
  }

  @FieldResolver(() => String, {
    description:
      'The language its texts are written in (BCP 47); other languages are translations of them.',
  })
  async sourceLanguage(@Root() indicator: Indicator, @Ctx() ctx: RequestContext) {
    return (
      indicator.sourceLanguage ??
      (await indicatorById(ctx).load(indicator.id))?.sourceLanguage ??
      DEFAULT_LANGUAGE
    );
  }

  @FieldResolver(() => Tenant, {
    nullable: true,
    description: 'The tenant that owns it; null for a global indicator.',
  })
  tenant(@Root() indicator: Indicator, @Ctx() ctx: RequestContext) {
    return indicator.tenantId ? tenantById(ctx).load(indicator.tenantId) : null;
  }

  @FieldResolver(() => Date, { description: 'When the row was created.' })
  async createdAt(@Root() indicator: Indicator, @Ctx() ctx: RequestContext) {
    return indicator.createdAt ?? (await indicatorById(ctx).load(indicator.id))?.createdAt;
  }

  @FieldResolver(() => Date, { description: 'When the row was last changed.' })
  async updatedAt(@Root() indicator: Indicator, @Ctx() ctx: RequestContext) {
    // Lists and lookups select it; an outcome summary's indicator comes without it.
    return indicator.updatedAt ?? (await indicatorById(ctx).load(indicator.id))?.updatedAt;
  }
}
