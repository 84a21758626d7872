import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { indicatorById } from '../indicator/indicator.loaders';
import { Indicator } from '../indicator/indicator.type';
import {
  CreateMeasurementInput,
  MeasurementsArgs,
  UpdateMeasurementInput,
} from './measurement.inputs';
import { MEASUREMENTS, measurementValues } from './measurement.service';
import { createRow } from '../../common/project-row-writes';
import { ProjectRowResolver } from '../../common/project-row.resolver';
import { listRows } from '../../common/project-rows';
import { Measurement, MeasurementConnection } from './measurement.type';

@Resolver(() => Measurement)
export class MeasurementResolver extends ProjectRowResolver({
  type: Measurement,
  name: 'Measurement',
  noun: 'measurement',
  kind: MEASUREMENTS,
  updateInput: UpdateMeasurementInput,
  describe: {
    project: 'The project that measured it.',
    community: 'The community it describes; null for a project-level value.',
  },
}) {
  // Nullable: denied to a caller who reads no rows (the analyst), it nulls only itself.
  @Query(() => MeasurementConnection, {
    nullable: true,
    description: 'Measurements you may read, one page at a time; null if you may read no rows.',
  })
  async measurements(@Args() args: MeasurementsArgs, @Ctx() ctx: RequestContext) {
    return toConnection(MeasurementConnection, await listRows(ctx, MEASUREMENTS, args));
  }

  @Mutation(() => Measurement, {
    description: 'Records a measurement (tenant admins, or editors of a partner of the project).',
  })
  createMeasurement(
    @Arg('input', { description: 'The new measurement.' }) input: CreateMeasurementInput,
    @Ctx() ctx: RequestContext,
  ) {
    return createRow(ctx, MEASUREMENTS, measurementValues(input), input);
  }

  @FieldResolver(() => Indicator, { description: 'What was measured.' })
  indicator(@Root() measurement: Measurement, @Ctx() ctx: RequestContext) {
    return indicatorById(ctx).load(measurement.indicatorId);
  }
}
