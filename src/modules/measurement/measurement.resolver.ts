import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { communityById } from '../community/community.loaders';
import { Community } from '../community/community.type';
import { indicatorById } from '../indicator/indicator.loaders';
import { Indicator } from '../indicator/indicator.type';
import { projectById } from '../project/project.loaders';
import { Project } from '../project/project.type';
import { tenantById } from '../tenant/tenant.loaders';
import { Tenant } from '../tenant/tenant.type';
import { DeleteRowInput, RestoreRowInput } from '../../common/write-inputs';
import {
  CreateMeasurementInput,
  MeasurementsArgs,
  UpdateMeasurementInput,
} from './measurement.inputs';
import { MEASUREMENTS, measurementValues } from './measurement.service';
import { createRow, deleteRow, restoreRow, updateRow } from '../../common/project-row-writes';
import { listRows } from '../../common/project-rows';
import { Measurement, MeasurementConnection } from './measurement.type';

@Resolver(() => Measurement)
export class MeasurementResolver {
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
    return createRow(ctx, MEASUREMENTS, measurementValues(input));
  }

  @Mutation(() => Measurement, {
    description:
      'Changes a measurement; CONFLICT with currentVersion when expectedVersion is stale.',
  })
  updateMeasurement(
    @Arg('input', { description: 'Which measurement, at which version, and what to change.' })
    input: UpdateMeasurementInput,
    @Ctx() ctx: RequestContext,
  ) {
    return updateRow(ctx, MEASUREMENTS, input);
  }

  @Mutation(() => Measurement, {
    description: 'Deletes a measurement softly: hidden from reads, restorable by tenant admins.',
  })
  deleteMeasurement(
    @Arg('input', { description: 'Which measurement, at which version.' }) input: DeleteRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return deleteRow(ctx, MEASUREMENTS, input);
  }

  @Mutation(() => Measurement, { description: 'Restores a deleted measurement (tenant admins).' })
  restoreMeasurement(
    @Arg('input', { description: 'Which deleted measurement, at which version.' })
    input: RestoreRowInput,
    @Ctx() ctx: RequestContext,
  ) {
    return restoreRow(ctx, MEASUREMENTS, input);
  }

  @FieldResolver(() => Tenant, { description: 'The tenant (country) of the measurement.' })
  tenant(@Root() measurement: Measurement, @Ctx() ctx: RequestContext) {
    return tenantById(ctx).load(measurement.tenantId);
  }

  @FieldResolver(() => Indicator, { description: 'What was measured.' })
  indicator(@Root() measurement: Measurement, @Ctx() ctx: RequestContext) {
    return indicatorById(ctx).load(measurement.indicatorId);
  }

  @FieldResolver(() => Project, { description: 'The project that measured it.' })
  project(@Root() measurement: Measurement, @Ctx() ctx: RequestContext) {
    return projectById(ctx).load(measurement.projectId);
  }

  @FieldResolver(() => Community, {
    nullable: true,
    description: 'The community it describes; null for a project-level value.',
  })
  community(@Root() measurement: Measurement, @Ctx() ctx: RequestContext) {
    return measurement.communityId ? communityById(ctx).load(measurement.communityId) : null;
  }
}
