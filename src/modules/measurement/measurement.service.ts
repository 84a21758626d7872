import {
  fetchNestedPages,
  fetchPage,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { badUserInput, forbidden } from '../../common/errors';
import { pairKey, type ProjectScope, projectScopes, targetedPairs } from '../../common/write-scope';
import { projectRowConditions } from '../../common/project-rows';
import { param } from '../../common/sql';
import { checkWithinSpan, MAX_MEASUREMENT_VALUE, notNull, trimmed } from '../../common/validation';
import { assignments, rowToWrite, versionedUpdate } from '../../common/versioned-write';
import type { DeleteRowInput, RestoreRowInput } from '../../common/write-inputs';
import type { AgeBand } from '../activity/activity.entity';
import { auditDiff, recordAudit } from '../audit/audit.service';
import { IndicatorUnit } from '../indicator/indicator.entity';
import type { MeasurementPeriod, Sex } from './measurement.entity';
import type { RequestContext } from '../../context';
import {
  type CreateMeasurementInput,
  MeasurementOrderField,
  type MeasurementsArgs,
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
};

function filterSql(ctx: RequestContext, args: MeasurementsArgs, params: unknown[]): string[] {
  const filter = args.filter ?? {};
  const where = projectRowConditions(ctx, 'm', filter, params);
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
      tenantColumn: 'm.tenant_id',
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

export async function measurementsByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Measurement[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Measurement>(
    `SELECT ${MEASUREMENT_COLUMNS} FROM measurements m
     WHERE m.id = ANY ($1::uuid[]) AND m.deleted_at IS NULL
       AND ${ctx.access.projectVisibleSql('m.tenant_id', 'm.project_id', params)}`,
    params,
  );
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

export const MEASUREMENT_VALUE_COLUMNS: Readonly<Record<keyof MeasurementValues, string>> = {
  indicatorId: 'indicator_id',
  projectId: 'project_id',
  communityId: 'community_id',
  period: 'period',
  measuredOn: 'measured_on',
  value: 'value',
  sampleSize: 'sample_size',
  sex: 'sex',
  ageBand: 'age_band',
  source: 'source',
  externalId: 'external_id',
};

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
  const projects = await projectScopes(ctx, [...new Set(values.map((v) => v.projectId))], tenantId);
  const pairs = values.flatMap((v) => {
    const project = projects.get(v.projectId);
    return project && v.communityId
      ? [{ tenantId: project.tenantId, projectId: v.projectId, communityId: v.communityId }]
      : [];
  });
  const [targeted, indicators] = await Promise.all([
    targetedPairs(ctx, pairs),
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
  const project = refs.projects.get(values.projectId);
  if (!project) throw badUserInput('projectId', 'No such project, or it is hidden from you');
  if (!project.recordingOrganisationId) {
    throw forbidden('You may not record measurements of this project');
  }
  const indicator = refs.indicators.get(values.indicatorId);
  if (!indicator || (indicator.tenantId !== null && indicator.tenantId !== project.tenantId)) {
    throw badUserInput('indicatorId', 'No such indicator in the project’s tenant');
  }
  const problem = valueProblem(values.value, indicator.unit);
  if (problem) throw badUserInput('value', problem);
  checkWithinSpan(values.measuredOn, project, 'measuredOn');
  if (values.communityId && !refs.targeted.has(pairKey(values.projectId, values.communityId))) {
    throw badUserInput('communityId', 'The project does not target this community');
  }
  return project as ProjectScope & { recordingOrganisationId: string };
}

export async function createMeasurement(
  ctx: RequestContext,
  input: CreateMeasurementInput,
): Promise<Measurement> {
  const values = measurementValues(input);
  const project = checkMeasurement(values, await measurementRefs(ctx, [values]));
  const keys = Object.keys(MEASUREMENT_VALUE_COLUMNS) as (keyof MeasurementValues)[];
  const params: unknown[] = keys.map((k) => values[k]);
  params.push(project.tenantId, project.recordingOrganisationId, ctx.access.actor);
  const n = params.length;
  const [measurement] = await ctx.tx.query<Measurement>(
    `INSERT INTO measurements AS m (${keys.map((k) => MEASUREMENT_VALUE_COLUMNS[k]).join(', ')},
       tenant_id, recorded_by_organisation_id, created_by, updated_by)
     VALUES (${keys.map((_k, i) => `$${i + 1}`).join(', ')}, $${n - 2}, $${n - 1}, $${n}, $${n})
     RETURNING ${MEASUREMENT_COLUMNS}`,
    params,
  );
  await recordAudit(ctx, {
    tenantId: project.tenantId,
    organisationId: project.recordingOrganisationId,
    action: 'CREATE',
    entityType: 'Measurement',
    entityId: measurement!.id,
    ...auditDiff(null, measurement!),
  });
  return measurement!;
}

const RECORDED_BY = `m.recorded_by_organisation_id AS "recordedByOrganisationId"`;

type MeasurementRow = Measurement & { recordedByOrganisationId: string };

async function measurementToWrite(
  ctx: RequestContext,
  id: string,
  expectedVersion: number,
  deleted = false,
): Promise<MeasurementRow> {
  const params: unknown[] = [id];
  const writable = deleted
    ? `m.deleted_at IS NOT NULL AND m.tenant_id = ANY (${param(params, ctx.access.adminWriterTenantIds)}::uuid[])`
    : `m.deleted_at IS NULL AND m.tenant_id = ANY (${param(params, ctx.access.writerTenantIds)}::uuid[])
       AND ${ctx.access.recordingOrganisationSql('m.tenant_id', 'm.project_id', params)} IS NOT NULL`;
  const [row] = await ctx.tx.query<MeasurementRow>(
    `SELECT ${MEASUREMENT_COLUMNS}, ${RECORDED_BY} FROM measurements m WHERE m.id = $1 AND ${writable}`,
    params,
  );
  return rowToWrite(row, 'Measurement', expectedVersion, async () =>
    deleted ? false : (await measurementsByIds(ctx, [id])).length > 0,
  );
}

export async function updateMeasurement(
  ctx: RequestContext,
  input: UpdateMeasurementInput,
): Promise<Measurement> {
  const { recordedByOrganisationId, ...current } = await measurementToWrite(
    ctx,
    input.id,
    input.expectedVersion,
  );
  const keep = <K extends keyof MeasurementValues>(
    key: K,
    value: MeasurementValues[K] | undefined,
  ) => (value === undefined ? current[key] : value);
  const merged: MeasurementValues = {
    indicatorId: keep('indicatorId', notNull(input.indicatorId, 'indicatorId')),
    projectId: current.projectId,
    communityId: keep('communityId', input.communityId),
    period: keep('period', notNull(input.period, 'period')),
    measuredOn: keep('measuredOn', notNull(input.measuredOn, 'measuredOn')),
    value: keep('value', notNull(input.value, 'value')),
    sampleSize: keep('sampleSize', input.sampleSize),
    sex: keep('sex', input.sex),
    ageBand: keep('ageBand', input.ageBand),
    source: keep('source', trimmed(input.source)),
    externalId: keep('externalId', trimmed(input.externalId)),
  };
  checkMeasurement(merged, await measurementRefs(ctx, [merged], current.tenantId));
  const params: unknown[] = [];
  const keys = Object.keys(MEASUREMENT_VALUE_COLUMNS) as (keyof MeasurementValues)[];
  const set = assignments(
    Object.fromEntries(
      keys.map((k) => [
        MEASUREMENT_VALUE_COLUMNS[k],
        merged[k] === current[k] ? undefined : merged[k],
      ]),
    ),
    params,
  );
  const updated = await versionedUpdate<Measurement>((sql, p) => ctx.tx.query(sql, p), {
    table: 'measurements m',
    alias: 'm',
    entity: 'Measurement',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: set.join(', '),
    where: 'm.deleted_at IS NULL',
    params,
    returning: MEASUREMENT_COLUMNS,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: recordedByOrganisationId,
    action: 'UPDATE',
    entityType: 'Measurement',
    entityId: current.id,
    ...auditDiff(current, updated),
  });
  return updated;
}

async function setMeasurementDeleted(
  ctx: RequestContext,
  input: DeleteRowInput | RestoreRowInput,
  deleted: boolean,
): Promise<Measurement> {
  const current = await measurementToWrite(ctx, input.id, input.expectedVersion, !deleted);
  if (!deleted) {
    // The project or indicator may have changed while the row was deleted: it must still fit.
    const keys = Object.keys(MEASUREMENT_VALUE_COLUMNS) as (keyof MeasurementValues)[];
    const values = Object.fromEntries(keys.map((k) => [k, current[k]])) as MeasurementValues;
    checkMeasurement(values, await measurementRefs(ctx, [values], current.tenantId));
  }
  const { deletedAt, ...measurement } = await versionedUpdate<
    Measurement & { deletedAt: Date | null }
  >((sql, p) => ctx.tx.query(sql, p), {
    table: 'measurements m',
    alias: 'm',
    entity: 'Measurement',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: deleted ? 'deleted_at = now()' : 'deleted_at = NULL',
    where: deleted ? 'm.deleted_at IS NULL' : 'm.deleted_at IS NOT NULL',
    params: [],
    returning: `${MEASUREMENT_COLUMNS}, m.deleted_at AS "deletedAt"`,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: current.recordedByOrganisationId,
    action: deleted ? 'DELETE' : 'RESTORE',
    entityType: 'Measurement',
    entityId: current.id,
    before: { deletedAt: deleted ? null : 'deleted' },
    after: { deletedAt },
  });
  return measurement;
}

/** Soft delete: hidden from reads and aggregates, restorable by tenant admins. */
export const deleteMeasurement = (ctx: RequestContext, input: DeleteRowInput) =>
  setMeasurementDeleted(ctx, input, true);

export const restoreMeasurement = (ctx: RequestContext, input: RestoreRowInput) =>
  setMeasurementDeleted(ctx, input, false);
