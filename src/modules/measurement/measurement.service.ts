import { OrderDirection } from '../../common/connection';
import { badUserInput } from '../../common/errors';
import { entityColumns } from '../../common/entity-columns';
import type { ProjectRowKind } from '../../common/project-row-kind';
import { param } from '../../common/sql';
import { checkWithinSpan, MAX_MEASUREMENT_VALUE, notNull, trimmed } from '../../common/validation';
import {
  checkTargeted,
  projectRefs,
  type ProjectScope,
  projectToRecord,
} from '../../common/write-scope';
import type { RequestContext } from '../../context';
import type { AgeBand } from '../activity/activity.entity';
import { IndicatorUnit } from '../indicator/indicator.entity';
import { MeasurementEntity, type MeasurementPeriod, type Sex } from './measurement.entity';
import {
  type MeasurementFilter,
  MeasurementOrderField,
  type MeasurementValuesInput,
  type UpdateMeasurementInput,
} from './measurement.inputs';
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
  [MeasurementOrderField.UPDATED_AT]: {
    column: 'm.updated_at',
    cast: 'timestamptz',
    value: (m: Measurement) => m.updatedAt,
  },
};

/** The filters of measurements beyond those every project row has. */
function measurementFilters(filter: MeasurementFilter, params: unknown[]): string[] {
  const where: string[] = [];
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

/** A measurement's writable columns, as one create, update or import item sets them. */
export type MeasurementValues = {
  indicatorId: string;
  projectId: string;
  communityId: string | null;
  period: MeasurementPeriod;
  measuredOn: string;
  value: number;
  sampleSize: number | null;
  sex: Sex | null;
  ageBand: AgeBand | null;
  source: string | null;
  externalId: string | null;
};

/** MeasurementValues' columns and SQL types, as the entity declares them, in one order for writes. */
const MEASUREMENT_VALUE_COLUMNS = entityColumns<keyof MeasurementValues>(MeasurementEntity, [
  'indicatorId',
  'projectId',
  'communityId',
  'period',
  'measuredOn',
  'value',
  'sampleSize',
  'sex',
  'ageBand',
  'source',
  'externalId',
]);

export function measurementValues(
  input: MeasurementValuesInput & { externalId?: string | null },
): MeasurementValues {
  return {
    indicatorId: input.indicatorId,
    projectId: input.projectId,
    communityId: input.communityId ?? null,
    period: input.period,
    measuredOn: input.measuredOn,
    value: input.value,
    sampleSize: input.sampleSize ?? null,
    sex: input.sex ?? null,
    ageBand: input.ageBand ?? null,
    source: trimmed(input.source) ?? null,
    externalId: trimmed(input.externalId) ?? null,
  };
}

type IndicatorRef = { id: string; tenantId: string | null; unit: IndicatorUnit };

export type MeasurementRefs = Readonly<{
  projects: Map<string, ProjectScope>;
  targeted: Set<string>;
  indicators: Map<string, IndicatorRef>;
}>;

export async function measurementRefs(
  ctx: RequestContext,
  values: readonly MeasurementValues[],
  tenantId?: string,
): Promise<MeasurementRefs> {
  const { projects, targeted: targeting } = await projectRefs(ctx, values, tenantId);
  const [targeted, indicators] = await Promise.all([
    targeting,
    ctx.tx.query<IndicatorRef>(
      `SELECT id, tenant_id AS "tenantId", unit FROM indicators WHERE id = ANY ($1::uuid[])`,
      [[...new Set(values.map((v) => v.indicatorId))]],
    ),
  ]);
  return { projects, targeted, indicators: new Map(indicators.map((i) => [i.id, i])) };
}

/** Why a value does not fit its indicator's unit, or null. */
export function valueProblem(value: number, unit: IndicatorUnit): string | null {
  if (!Number.isFinite(value) || Math.abs(value) >= MAX_MEASUREMENT_VALUE) {
    return 'value is out of range';
  }
  // numeric(18, 4) would round a fifth decimal: nothing a partner sends is changed silently.
  if (Number(value.toFixed(4)) !== value) return 'value has more than 4 decimal places';
  switch (unit) {
    case IndicatorUnit.PERCENT:
      return value < 0 || value > 100 ? 'a PERCENT value must be between 0 and 100' : null;
    case IndicatorUnit.COUNT:
      return value < 0 || !Number.isInteger(value)
        ? 'a COUNT value must be a whole number of 0 or more'
        : null;
    case IndicatorUnit.CURRENCY:
      return value < 0 ? 'a CURRENCY value must not be negative' : null;
    default:
      // SCORE and INDEX scales may be negative (e.g. standardised scores).
      return null;
  }
}

/**
 * The rules for one measurement: a project the principal records for, an indicator that is
 * global or of the project's tenant, a value that fits the indicator's unit, a day within
 * the project's span, and a community the project targets.
 */
export function checkMeasurement(
  values: MeasurementValues,
  refs: MeasurementRefs,
): ProjectScope & { recordingOrganisationId: string } {
  const project = projectToRecord(refs.projects, values.projectId, 'measurements');
  const indicator = refs.indicators.get(values.indicatorId);
  if (!indicator || (indicator.tenantId !== null && indicator.tenantId !== project.tenantId)) {
    throw badUserInput('indicatorId', 'No such indicator in the project’s tenant');
  }
  const problem = valueProblem(values.value, indicator.unit);
  if (problem) throw badUserInput('value', problem);
  checkWithinSpan(values.measuredOn, project, 'measuredOn');
  checkTargeted(values, refs.targeted);
  return project;
}

/** An update's changes to a measurement (undefined: unchanged). */
function measurementChanges(input: UpdateMeasurementInput): Partial<MeasurementValues> {
  return {
    indicatorId: notNull(input.indicatorId, 'indicatorId'),
    communityId: input.communityId,
    period: notNull(input.period, 'period'),
    measuredOn: notNull(input.measuredOn, 'measuredOn'),
    value: notNull(input.value, 'value'),
    sampleSize: input.sampleSize,
    sex: input.sex,
    ageBand: input.ageBand,
    source: trimmed(input.source),
    externalId: trimmed(input.externalId),
  };
}

/** Measurements as a kind of project row (see common/project-rows.ts). */
export const MEASUREMENTS: ProjectRowKind<
  Measurement,
  MeasurementValues,
  MeasurementRefs,
  MeasurementFilter,
  MeasurementOrderField,
  UpdateMeasurementInput
> = {
  entity: 'Measurement',
  table: 'measurements',
  alias: 'm',
  columns: MEASUREMENT_COLUMNS,
  valueColumns: MEASUREMENT_VALUE_COLUMNS.columns,
  sqlTypes: MEASUREMENT_VALUE_COLUMNS.sqlTypes,
  sorts: SORTS,
  defaultOrder: { field: MeasurementOrderField.MEASURED_ON, direction: OrderDirection.ASC },
  filters: measurementFilters,
  refs: measurementRefs,
  check: checkMeasurement,
  changes: measurementChanges,
};
