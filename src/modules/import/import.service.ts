import { validateSync } from 'class-validator';
import { DomainError } from '../../common/errors';
import { writerTenantOf } from '../../common/write-scope';
import { firstViolation } from '../../common/validation';
import type { RequestContext } from '../../context';
import { type AuditEntry, auditDiff, recordAudit } from '../audit/audit.service';
import {
  claimIdempotencyKey,
  type IdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
  storeIdempotentResponse,
} from './idempotency.service';
import type {
  ImportActivitiesInput,
  ImportMeasurementsInput,
  ImportOptionsInput,
} from './import.inputs';
import { ACTIVITY_IMPORT, type ImportKind, MEASUREMENT_IMPORT, type Values } from './import.kinds';
import {
  assertMayForce,
  forcedDetails,
  liftPeriodLocks,
  periodDateOf,
  restorePeriodLocks,
} from '../approval/approval.locks';
import { refuseLockedPeriods } from './import.locks';
import { insertRows, type Planned, updateRows } from './import.rows';
import {
  changesTranslations,
  checkedItemTranslations,
  storedTranslations,
  writeItemTranslations,
  writtenRow,
} from '../translation/translation.service';
import type { Translation } from '../translation/translation.type';
import { ImportItemStatus, type ImportItemResult, type ImportResult } from './import.type';

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
  // Before the key is claimed: a refused force is the whole request's answer.
  if (options.force) assertMayForce(ctx);
  const claim: IdempotencyKey = {
    tenantId,
    key: options.idempotencyKey,
    operation: kind.operation,
    // dryRun is not part of the request's identity: dry runs are never stored.
    // force only when asked, so that the keys of earlier requests keep their hashes.
    hash: requestHash({
      tenantCode: code,
      atomic: options.atomic,
      items,
      ...(options.force ? { force: true } : {}),
    }),
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
      planned.push({ index, values, organisationId: project.recordingOrganisationId, project });
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

  // What the items' rows hold now, read without locking: an item equal to its row touches
  //    nothing, so it is UNCHANGED even in a locked period (a no-op violates no lock).
  //    (A field with a default left null keeps the stored value; an item that translates its
  //    row is never a no-op here: its translations are compared under the row lock below.)
  const texts = kind.texts;
  const defaulted = (kind.defaults?.fields ?? []) as string[];
  const translates = (plan: Planned<V>) =>
    (texts?.translations(items[plan.index]!)?.length ?? 0) > 0;
  const stored = await storedRows(ctx, kind, tenantId, planned, false);
  const isUnchanged = (plan: Planned<V>, rows: Map<string, StoredRow<V>>) => {
    const row = rows.get(`${plan.organisationId}:${plan.values.externalId}`);
    return (
      row !== undefined &&
      !row.deleted &&
      row.projectId === plan.values.projectId &&
      !translates(plan) &&
      !Object.keys(kind.columns).some(
        (field) =>
          !(defaulted.includes(field) && plan.values[field] === null) &&
          (row as unknown as Values)[field] !== plan.values[field],
      )
    );
  };
  const noOps = new Set(planned.filter((p) => isUnchanged(p, stored)).map((p) => p.index));
  const writing = planned.filter((p) => !noOps.has(p.index));

  // Period locks (approval module): an item for a locked period is INVALID, unless a platform
  //    admin forces it (audited); the periods stay locked FOR SHARE until commit, so an
  //    approval waits for this import or goes first.
  const forced = await liftPeriodLocks(
    ctx,
    options.force,
    tenantId,
    writing.map((plan) => ({
      projectId: String(plan.values.projectId),
      date: periodDateOf(kind.entityType, plan.values),
    })),
  );
  const refuse = (plans: Planned<V>[]) =>
    forced ? plans : refuseLockedPeriods(ctx, kind.entityType, tenantId, plans, invalid);
  const open = [...(await refuse(writing)), ...planned.filter((p) => noOps.has(p.index))].sort(
    (a, b) => a.index - b.index,
  );

  // 3. The rows the items already have, locked until the transaction ends (in id order, so
  //    two imports touching the same rows queue instead of deadlocking).
  const byKey = await storedRows(ctx, kind, tenantId, open, true);
  const toCreate: Planned<V>[] = [];
  const toUpdate: Planned<V>[] = [];
  // A row moved out of a locked period is refused as well (its current period is checked).
  const moving = await refuse(
    open
      .filter((plan) => !noOps.has(plan.index))
      .map((plan) => {
        const row = byKey.get(`${plan.organisationId}:${plan.values.externalId}`);
        return { ...plan, values: row && !row.deleted ? row : plan.values };
      }),
  );
  const stillOpen = new Set([...moving.map((plan) => plan.index), ...noOps]);
  // The stored translations of the rows whose items translate them or change their language.
  const translating = (plan: Planned<V>) =>
    translates(plan) || defaulted.some((field) => plan.values[field] !== null);
  const storedTexts = texts
    ? await storedTranslations(
        ctx,
        texts.kind,
        tenantId,
        open.flatMap((plan) => {
          const row = byKey.get(`${plan.organisationId}:${plan.values.externalId}`);
          return row && !row.deleted && translating(plan) ? [row.id] : [];
        }),
      )
    : new Map<string, Translation[]>();
  for (const plan of open.filter((p) => stillOpen.has(p.index))) {
    const row = byKey.get(`${plan.organisationId}:${plan.values.externalId}`);
    const result = results[plan.index]!;
    if (noOps.has(plan.index) && !isUnchanged(plan, byKey)) {
      // Changed by another writer between the two reads: its period was not checked.
      invalid(
        plan.index,
        'externalId',
        'The row with this externalId changed while this import ran; send the item again',
      );
      continue;
    }
    if (row?.deleted) {
      invalid(
        plan.index,
        'externalId',
        'The row with this externalId was deleted; an admin may restore it',
      );
      continue;
    }
    if (row && row.projectId !== plan.values.projectId) {
      invalid(plan.index, 'projectId', 'The row with this externalId belongs to another project');
      continue;
    }
    const current = row
      ? (({ organisationId: _o, deleted: _d, id: _i, ...values }) => values as unknown as V)(row)
      : null;
    // What an item leaves null: a new row's default, a stored row's own value.
    plan.values = current
      ? {
          ...plan.values,
          ...Object.fromEntries(
            defaulted.map((field) => [field, plan.values[field] ?? current[field]]),
          ),
        }
      : kind.defaults && plan.project
        ? kind.defaults.fill(plan.values, plan.project)
        : plan.values;
    const valuesChanged =
      current !== null &&
      Object.keys(kind.columns).some((field) => current[field] !== plan.values[field]);
    let translationsChanged = false;
    if (texts) {
      const given = texts.translations(items[plan.index]!);
      const before = row ? (storedTexts.get(row.id) ?? []) : [];
      const sourceChanged = defaulted.some(
        (field) => current !== null && current[field] !== plan.values[field],
      );
      try {
        const changes = checkedItemTranslations(
          texts.kind,
          writtenRow(texts.kind, {
            ...(plan.values as Values & { sourceLanguage?: string }),
            tenantId,
            id: row?.id ?? '',
          }),
          given,
          before,
          sourceChanged,
        );
        plan.translations = { changes, stored: before };
        translationsChanged = changesTranslations(before, changes);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        invalid(
          plan.index,
          (error.extensions.field as string | undefined) ?? 'translations',
          error.message,
        );
        continue;
      }
    }
    if (!row) {
      result.status = ImportItemStatus.CREATED;
      toCreate.push(plan);
    } else {
      const changed = valuesChanged || translationsChanged;
      Object.assign(result, {
        id: row.id,
        status: changed ? ImportItemStatus.UPDATED : ImportItemStatus.UNCHANGED,
      });
      if (changed) {
        toUpdate.push({
          ...plan,
          valuesChanged,
          existing: { ...current!, id: row.id, deleted: false },
        });
      }
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
    await restorePeriodLocks(ctx, forced);
    // Nothing is written: ids of rows that would be created do not exist.
    for (const r of results) if (r.status === ImportItemStatus.CREATED) r.id = null;
    return summary(false);
  }

  // 4. The writes: one INSERT and one UPDATE for all items, then one audit INSERT.
  const audit: AuditEntry[] = [];
  const details = {
    operation: kind.operation,
    idempotencyKey: options.idempotencyKey,
    ...forcedDetails(forced),
  };
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
        projectId: plan.values.projectId,
        ...auditDiff(null, plan.values),
        details,
      });
    }
  }
  if (toUpdate.length > 0) {
    await updateRows(ctx, kind, tenantId, toUpdate);
    for (const plan of toUpdate) {
      const { id, deleted: _d, ...before } = plan.existing!;
      // A row whose translations alone change is audited as a translation (below).
      if (!plan.valuesChanged) continue;
      audit.push({
        tenantId,
        organisationId: plan.organisationId,
        action: 'UPDATE',
        entityType: kind.entityType,
        entityId: id,
        projectId: plan.values.projectId,
        ...auditDiff(before, plan.values),
        details,
      });
    }
  }
  if (texts) {
    const translated = [...toCreate, ...toUpdate].filter(
      (plan) => (plan.translations?.changes.length ?? 0) > 0,
    );
    audit.push(
      ...(await writeItemTranslations(
        ctx,
        texts.kind,
        translated.map((plan) => ({
          row: writtenRow(texts.kind, {
            ...(plan.values as Values & { sourceLanguage?: string }),
            tenantId,
            id: results[plan.index]!.id!,
          }),
          changes: plan.translations!.changes,
          before: plan.translations!.stored,
          audit: { organisationId: plan.organisationId, details },
        })),
      )),
    );
  }
  await restorePeriodLocks(ctx, forced);
  await recordAudit(ctx, ...audit);
  return summary(true);
}

type StoredRow<V> = V & { id: string; deleted: boolean; organisationId: string };

/** The stored rows of the planned items, by organisation and externalId; `lock`: FOR UPDATE. */
async function storedRows<I extends object, V extends Values, R>(
  ctx: RequestContext,
  kind: ImportKind<I, V, R>,
  tenantId: string,
  plans: readonly Planned<V>[],
  lock: boolean,
): Promise<Map<string, StoredRow<V>>> {
  const rows = await ctx.tx.query<StoredRow<V>>(
    `SELECT t.id, t.deleted_at IS NOT NULL AS deleted,
       t.recorded_by_organisation_id AS "organisationId", ${kind.select}
     FROM ${kind.table} t
     JOIN unnest($2::uuid[], $3::text[]) AS k (organisation_id, external_id)
       ON t.recorded_by_organisation_id = k.organisation_id AND t.external_id = k.external_id
     WHERE t.tenant_id = $1
     ORDER BY t.id
     ${lock ? 'FOR UPDATE OF t' : ''}`,
    [tenantId, plans.map((p) => p.organisationId), plans.map((p) => p.values.externalId)],
  );
  return new Map(rows.map((row) => [`${row.organisationId}:${row.externalId}`, row]));
}
