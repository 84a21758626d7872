import {
  fetchNestedPages,
  fetchPage,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { MeasurementOrderField, type MeasurementsArgs } from './measurement.inputs';
import type { Measurement } from './measurement.type';

const MEASUREMENT_COLUMNS = `m.tenant_id AS "tenantId", m.id, m.indicator_id AS "indicatorId",
  m.project_id AS "projectId", m.community_id AS "communityId", m.period,
  m.measured_on AS "measuredOn", m.value::float8 AS value, m.sample_size AS "sampleSize", m.sex,
  m.age_band AS "ageBand", m.source, m.external_id AS "externalId", m.version,
  m.created_at AS "createdAt", m.updated_at AS "updatedAt"`;

const SORTS = {
  [MeasurementOrderField.MEASURED_ON]: {
    column: 'm.measured_on',
    cast: 'date',
    value: (m: Measurement) => m.measuredOn,
  },
  [MeasurementOrderField.CREATED_AT]: {
    column: 'm.created_at',
    cast: 'timestamptz',
    value: (m: Measurement) => m.createdAt,
  },
};

function filterSql(ctx: RequestContext, args: MeasurementsArgs, params: unknown[]): string[] {
  const where = [
    'm.deleted_at IS NULL',
    ctx.access.projectVisibleSql('m.tenant_id', 'm.project_id', params),
  ];
  const filter = args.filter ?? {};
  if (filter.tenantCodes) {
    where.push(
      `m.tenant_id = ANY (${param(params, ctx.access.tenantIdsForCodes(filter.tenantCodes))}::uuid[])`,
    );
  }
  if (filter.projectIds)
    where.push(`m.project_id = ANY (${param(params, filter.projectIds)}::uuid[])`);
  if (filter.communityIds)
    where.push(`m.community_id = ANY (${param(params, filter.communityIds)}::uuid[])`);
  if (filter.indicatorCodes) {
    where.push(
      `m.indicator_id IN (SELECT id FROM indicators WHERE code = ANY (${param(params, filter.indicatorCodes)}::text[]))`,
    );
  }
  if (filter.periods) where.push(`m.period = ANY (${param(params, filter.periods)}::text[])`);
  if (filter.from) where.push(`m.measured_on >= ${param(params, filter.from)}::date`);
  if (filter.to) where.push(`m.measured_on <= ${param(params, filter.to)}::date`);
  return where;
}

function order(args: MeasurementsArgs) {
  const o = args.orderBy ?? {
    field: MeasurementOrderField.MEASURED_ON,
    direction: OrderDirection.ASC,
  };
  return { sort: SORTS[o.field], direction: o.direction };
}

export async function listMeasurements(
  ctx: RequestContext,
  args: MeasurementsArgs,
): Promise<Page<Measurement>> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchPage<Measurement>((sql, p) => ctx.tx.query(sql, p), {
    select: MEASUREMENT_COLUMNS,
    from: 'measurements m',
    where,
    params,
    idColumn: 'm.id',
    ...order(args),
    first: args.first,
    after: args.after,
  });
}

/** One page of measurements per parent (a project or a community), in one statement. */
export async function measurementsOf(
  ctx: RequestContext,
  parent: 'project' | 'community',
  parents: readonly ParentKey[],
  args: MeasurementsArgs,
): Promise<Page<Measurement>[]> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  return fetchNestedPages<Measurement>(
    (sql, p) => ctx.tx.query(sql, p),
    {
      select: MEASUREMENT_COLUMNS,
      from: 'measurements m',
      parentWhere: `m.tenant_id = k.tenant_id AND m.${parent}_id = k.parent_id`,
      where,
      params,
      idColumn: 'm.id',
      ...order(args),
      first: args.first,
      after: args.after,
    },
    parents,
  );
}
