import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context';
import { ImportActivitiesInput, ImportMeasurementsInput } from './import.inputs';
import { importActivities, importMeasurements } from './import.service';
import { ImportResult } from './import.type';

@Resolver()
export class ImportResolver {
  @Mutation(() => ImportResult, {
    description:
      'Creates or updates up to 1,000 activities keyed by externalId, in one transaction; safe to retry with the same idempotencyKey.',
  })
  importActivities(
    @Arg('input', { description: 'The items and how to import them.' })
    input: ImportActivitiesInput,
    @Ctx() ctx: RequestContext,
  ) {
    return importActivities(ctx, input);
  }

  @Mutation(() => ImportResult, {
    description:
      'Creates or updates up to 1,000 measurements keyed by externalId, in one transaction; safe to retry with the same idempotencyKey.',
  })
  importMeasurements(
    @Arg('input', { description: 'The items and how to import them.' })
    input: ImportMeasurementsInput,
    @Ctx() ctx: RequestContext,
  ) {
    return importMeasurements(ctx, input);
  }
}
