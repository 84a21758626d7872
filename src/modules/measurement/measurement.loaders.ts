import type DataLoader from 'dataloader';
import type { Page } from '../../common/connection';
import { perParentLoader, type ParentKey } from '../../common/loader';
import type { RequestContext } from '../../context';
import type { MeasurementsArgs } from './measurement.inputs';
import { rowsOf } from '../../common/project-rows';
import { MEASUREMENTS } from './measurement.service';
import type { Measurement } from './measurement.type';

export const measurementsOfParent = (
  ctx: RequestContext,
  parent: 'project' | 'community',
  args: MeasurementsArgs,
): DataLoader<ParentKey, Page<Measurement>, string> =>
  perParentLoader(ctx, `${parent}.measurements`, args, (parents) =>
    rowsOf(ctx, MEASUREMENTS, parent, parents, args),
  );
