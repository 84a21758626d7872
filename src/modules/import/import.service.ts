import { validateSync } from 'class-validator';
import { DomainError } from '../../common/errors';
import type { ProjectRow, ProjectRowKind, ProjectRowValues } from '../../common/project-row-kind';
import { type ProjectScope, writerTenantOf } from '../../common/write-scope';
import { firstViolation } from '../../common/validation';
import type { RequestContext } from '../../context';
import {
  ACTIVITIES,
  type ActivityRefs,
  type ActivityValues,
  activityValues,
} from '../activity/activity.service';
import { type AuditEntry, auditDiff, recordAudit } from '../audit/audit.service';
import {
  MEASUREMENTS,
  type MeasurementRefs,
  type MeasurementValues,
  measurementValues,
} from '../measurement/measurement.service';
import {
  claimIdempotencyKey,
  type IdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
  storeIdempotentResponse,
} from './idempotency.service';
import type {
  ActivityImportItem,
  ImportActivitiesInput,
  ImportMeasurementsInput,
  ImportOptionsInput,
  MeasurementImportItem,
} from './import.inputs';
import { ImportItemStatus, type ImportItemResult, type ImportResult } from './import.type';

type Values = ProjectRowValues;

/** What differs between importing activities and measurements; the engine does the rest. */
/** The table an import writes: field → column, and each column's SQL type. */
type TableShape<V extends Values> = Readonly<{
  table: string;
  columns: Readonly<Record<keyof V & string, string>>;
  sqlTypes: Readonly<Record<string, string>>;
}>;

type ImportKind<I extends object, V extends Values, R> = TableShape<V> &
  Readonly<{
    operation: string;
    entityType: string;
    /** Columns to compare an item with its row (value is numeric, read back as float8). */
    select: string;
    values: (item: I) => V;
    /** Loads what checking needs for all items at once; `check` then tests one item. */
    refs: (ctx: RequestContext, values: V[], tenantId: string) => Promise<R>;
    check: (values: V, refs: R) => ProjectScope & { recordingOrganisationId: string };
  }>;

/** An import of a kind of project row, whose rows its `values` make of items. */
function importOf<I extends object, V extends Values, R>(
  kind: Pick<
    ProjectRowKind<ProjectRow, V, R, never, never, never>,
    'entity' | 'table' | 'valueColumns' | 'sqlTypes' | 'refs' | 'check'
  >,
  operation: string,
  values: (item: I) => V,
): ImportKind<I, V, R> {
  return {
    operation,
    entityType: kind.entity,
    table: kind.table,
    columns: kind.valueColumns,
    sqlTypes: kind.sqlTypes,
    // numeric is read back as float8, as the API answers it.
    select: Object.entries<string>(kind.valueColumns)
      .map(([field, column]) =>
        kind.sqlTypes[column] === 'numeric'
          ? `t.${column}::float8 AS "${field}"`
          : `t.${column} AS "${field}"`,
      )
      .join(', '),
    values,
    refs: kind.refs,
    check: kind.check,
  };
}

const ACTIVITY_IMPORT = importOf<ActivityImportItem, ActivityValues, ActivityRefs>(
  ACTIVITIES,
  'importActivities',
  activityValues,
);

const MEASUREMENT_IMPORT = importOf<MeasurementImportItem, MeasurementValues, MeasurementRefs>(
  MEASUREMENTS,
  'importMeasurements',
  measurementValues,
);

export const importActivities = (ctx: RequestContext, input: ImportActivitiesInput) =>
  runImport(ctx, ACTIVITY_IMPORT, input, input.items);

export const importMeasurements = (ctx: RequestContext, input: ImportMeasurementsInput) =>
  runImport(ctx, MEASUREMENT_IMPORT, input, input.items);

/**
 * A bulk import in the request's one transaction: claim the idempotency key (or return the
 * response stored under it), check every item, write the valid ones set-based, audit each
 * row written, and store the response under the key — all committed together or not at all.
 */
async function runImport<I extends object, V extends Values, R>(
  ctx: RequestContext,
  kind: ImportKind<I, V, R>,
  options: ImportOptionsInput,
  items: I[],
): Promise<ImportResult> {
  const code = options.tenantCode.trim().toUpperCase();
  const tenantId = writerTenantOf(ctx, code);
  const claim: IdempotencyKey = {
    tenantId,
    key: options.idempotencyKey,
    operation: kind.operation,
    // dryRun is not part of the request's identity: dry runs are never stored.
    hash: requestHash({ tenantCode: code, atomic: options.atomic, items }),
  };
  if (!options.dryRun) {
    const stored = await claimIdempotencyKey<ImportResult>(ctx, claim);
    if (stored) return { ...stored, replayed: true };
  }
  const result = await applyImport(ctx, kind, tenantId, options, items);
  if (options.dryRun) return result;
  if (result.applied) await storeIdempotentResponse(ctx, claim, result);
  else await releaseIdempotencyKey(ctx, claim);
  return result;
}

type Planned<V> = {
  index: number;
  values: V;
  organisationId: string;
  existing?: V & { id: string; deleted: boolean };
};

async function applyImport<I extends object, V extends Values, R>(
  ctx: RequestContext,
  kind: ImportKind<I, V, R>,
  tenantId: string,
  options: ImportOptionsInput,
  items: I[],
): Promise<ImportResult> {
  const results: ImportItemResult[] = items.map((item, index) => ({
    index,
    externalId: (item as { externalId?: string }).externalId?.trim() ?? null,
    status: ImportItemStatus.INVALID,
    id: null,
    field: null,
    message: null,
  }));
  const invalid = (index: number, field: string, message: string) => {
    Object.assign(results[index]!, { status: ImportItemStatus.INVALID, field, message });
  };

  // 1. Each item on its own: the input rules, then duplicates within the request.
  const candidates: { index: number; values: V }[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const errors = validateSync(item, { forbidUnknownValues: false });
    if (errors.length > 0) {
      const { field, message } = firstViolation(errors);
      return invalid(index, field, message);
    }
    const values = kind.values(item);
    if (seen.has(values.externalId!)) {
      return invalid(index, 'externalId', 'externalId appears more than once in this import');
    }
    seen.add(values.externalId!);
    candidates.push({ index, values });
  });

  // 2. The rules that need the database, with every reference loaded in a few statements.
  const refs = await kind.refs(
    ctx,
    candidates.map((c) => c.values),
    tenantId,
  );
  const planned: Planned<V>[] = [];
  for (const { index, values } of candidates) {
    try {
      const project = kind.check(values, refs);
      planned.push({ index, values, organisationId: project.recordingOrganisationId });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      invalid(index, (error.extensions.field as string | undefined) ?? 'projectId', error.message);
    }
  }

  // 3. Imports for one recording organisation in one tenant run one at a time: a second one
  //    waits here, then sees what the first wrote (UNCHANGED) instead of failing on the
  //    unique externalId. Locks are taken in a fixed order and end with the transaction.
  await ctx.tx.query(
    `SELECT pg_advisory_xact_lock(k) FROM (
       SELECT DISTINCT hashtextextended($1 || ':' || o, 0) AS k FROM unnest($2::text[]) AS o ORDER BY 1
     ) AS keys`,
    [`import:${tenantId}`, [...new Set(planned.map((p) => p.organisationId))]],
  );

  // 3. The rows the items already have, locked until the transaction ends (in id order, so
  //    two imports touching the same rows queue instead of deadlocking).
  const existing = await ctx.tx.query<V & { id: string; deleted: boolean; organisationId: string }>(
    `SELECT t.id, t.deleted_at IS NOT NULL AS deleted,
       t.recorded_by_organisation_id AS "organisationId", ${kind.select}
     FROM ${kind.table} t
     JOIN unnest($2::uuid[], $3::text[]) AS k (organisation_id, external_id)
       ON t.recorded_by_organisation_id = k.organisation_id AND t.external_id = k.external_id
     WHERE t.tenant_id = $1
     ORDER BY t.id
     FOR UPDATE OF t`,
    [tenantId, planned.map((p) => p.organisationId), planned.map((p) => p.values.externalId)],
  );
  const byKey = new Map(existing.map((row) => [`${row.organisationId}:${row.externalId}`, row]));
  const toCreate: Planned<V>[] = [];
  const toUpdate: Planned<V>[] = [];
  for (const plan of planned) {
    const row = byKey.get(`${plan.organisationId}:${plan.values.externalId}`);
    const result = results[plan.index]!;
    if (!row) {
      result.status = ImportItemStatus.CREATED;
      toCreate.push(plan);
    } else if (row.deleted) {
      invalid(
        plan.index,
        'externalId',
        'The row with this externalId was deleted; an admin may restore it',
      );
    } else if (row.projectId !== plan.values.projectId) {
      invalid(plan.index, 'projectId', 'The row with this externalId belongs to another project');
    } else {
      const { organisationId: _o, deleted: _d, id, ...current } = row;
      const changed = Object.keys(kind.columns).some(
        (field) => (current as unknown as Values)[field] !== plan.values[field],
      );
      Object.assign(result, {
        id,
        status: changed ? ImportItemStatus.UPDATED : ImportItemStatus.UNCHANGED,
      });
      if (changed)
        toUpdate.push({ ...plan, existing: { ...(current as unknown as V), id, deleted: false } });
    }
  }

  const summary = (applied: boolean): ImportResult => ({
    applied,
    replayed: false,
    dryRun: options.dryRun,
    created: results.filter((r) => r.status === ImportItemStatus.CREATED).length,
    updated: results.filter((r) => r.status === ImportItemStatus.UPDATED).length,
    unchanged: results.filter((r) => r.status === ImportItemStatus.UNCHANGED).length,
    invalid: results.filter((r) => r.status === ImportItemStatus.INVALID).length,
    items: results,
  });
  const anyInvalid = results.some((r) => r.status === ImportItemStatus.INVALID);
  if (options.dryRun || (options.atomic && anyInvalid)) {
    // Nothing is written: ids of rows that would be created do not exist.
    for (const r of results) if (r.status === ImportItemStatus.CREATED) r.id = null;
    return summary(false);
  }

  // 4. The writes: one INSERT and one UPDATE for all items, then one audit INSERT.
  const audit: AuditEntry[] = [];
  const details = { operation: kind.operation, idempotencyKey: options.idempotencyKey };
  if (toCreate.length > 0) {
    const created = await insertRows(ctx, kind, tenantId, toCreate);
    for (const plan of toCreate) {
      const row = created.get(`${plan.organisationId}:${plan.values.externalId}`)!;
      results[plan.index]!.id = row;
      audit.push({
        tenantId,
        organisationId: plan.organisationId,
        action: 'CREATE',
        entityType: kind.entityType,
        entityId: row,
        ...auditDiff(null, plan.values),
        details,
      });
    }
  }
  if (toUpdate.length > 0) {
    await updateRows(ctx, kind, tenantId, toUpdate);
    for (const plan of toUpdate) {
      const { id, deleted: _d, ...before } = plan.existing!;
      audit.push({
        tenantId,
        organisationId: plan.organisationId,
        action: 'UPDATE',
        entityType: kind.entityType,
        entityId: id,
        ...auditDiff(before, plan.values),
        details,
      });
    }
  }
  await recordAudit(ctx, ...audit);
  return summary(true);
}

/** The recordset definition and JSON rows of the planned items' values. */
function recordset<V extends Values>(
  kind: TableShape<V>,
  plans: Planned<V>[],
  extra: (plan: Planned<V>) => Record<string, unknown>,
  extraTypes: string,
): { definition: string; json: string } {
  const fields = Object.keys(kind.columns);
  const definition = [
    ...fields.map((f) => `${kind.columns[f]} ${kind.sqlTypes[kind.columns[f]!]}`),
    extraTypes,
  ].join(', ');
  const rows = plans.map((plan) => ({
    ...Object.fromEntries(fields.map((f): [string, unknown] => [kind.columns[f]!, plan.values[f]])),
    ...extra(plan),
  }));
  return { definition, json: JSON.stringify(rows) };
}

async function insertRows<V extends Values>(
  ctx: RequestContext,
  kind: TableShape<V>,
  tenantId: string,
  plans: Planned<V>[],
): Promise<Map<string, string>> {
  const columns = Object.values(kind.columns);
  const { definition, json } = recordset(
    kind,
    plans,
    (plan) => ({ recorded_by_organisation_id: plan.organisationId }),
    'recorded_by_organisation_id uuid',
  );
  const rows = await ctx.tx.query<{ id: string; key: string }>(
    `INSERT INTO ${kind.table} (${columns.join(', ')}, tenant_id, recorded_by_organisation_id,
       created_by, updated_by)
     SELECT ${columns.map((c) => `r.${c}`).join(', ')}, $1, r.recorded_by_organisation_id, $2, $2
     FROM jsonb_to_recordset($3::jsonb) AS r (${definition})
     ORDER BY r.recorded_by_organisation_id, r.external_id
     RETURNING id, recorded_by_organisation_id || ':' || external_id AS key`,
    [tenantId, ctx.access.actor, json],
  );
  return new Map(rows.map((r) => [r.key, r.id]));
}

async function updateRows<V extends Values>(
  ctx: RequestContext,
  kind: TableShape<V>,
  tenantId: string,
  plans: Planned<V>[],
): Promise<void> {
  const columns = Object.values(kind.columns);
  const { definition, json } = recordset(
    kind,
    plans,
    (plan) => ({ id: plan.existing!.id }),
    'id uuid',
  );
  // The rows are locked (FOR UPDATE above), so their versions cannot have moved.
  await ctx.tx.query(
    `UPDATE ${kind.table} t SET ${columns.map((c) => `${c} = r.${c}`).join(', ')},
       version = t.version + 1, updated_at = now(), updated_by = $2
     FROM jsonb_to_recordset($3::jsonb) AS r (${definition})
     WHERE t.tenant_id = $1 AND t.id = r.id`,
    [tenantId, ctx.access.actor, json],
  );
}
