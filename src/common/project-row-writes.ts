import type { RequestContext } from '../context';
import {
  assertMayForce,
  forcedDetails,
  joinApprovedPeriod,
  liftPeriodLocks,
  periodDateOf,
  restorePeriodLocks,
} from '../modules/approval/approval.locks';
import { auditDiff, recordAudit } from '../modules/audit/audit.service';
import type { AnyKind, ProjectRow, ProjectRowValues } from './project-row-kind';
import { rowsByIds } from './project-rows';
import { assignments, rowToWrite, versionedUpdate } from './versioned-write';
import type { VersionedRowInput } from './write-inputs';

/* The writes of a project's rows, for any kind (see project-row-kind.ts): optimistic
 * concurrency, the kind's checks on the whole row, and an audit entry for each. */

/** A write's RETURNING list for `kind`, and the read row it gives. */
function returned<T extends ProjectRow>(kind: AnyKind<T>) {
  return {
    columns: kind.written?.columns ?? kind.columns,
    complete: kind.written?.complete ?? ((row: T) => row),
  };
}

/** The stored writable values of a row. */
function valuesOf<T extends ProjectRow, V extends ProjectRowValues>(kind: AnyKind<T>, row: T): V {
  const keys = Object.keys(kind.valueColumns);
  return Object.fromEntries(keys.map((k) => [k, row[k as keyof T]])) as V;
}

/** A write's own `force` (platform admins: into a locked period; see liftPeriodLocks). */
type Forcing = { force?: boolean | null };

/** The period a row's values put it in, as the period locks name it. */
const periodRef = (entity: string, row: ProjectRowValues | ProjectRow) => ({
  projectId: String(row.projectId),
  date: periodDateOf(entity, row),
});

/** Checks and inserts one row of values; audited. */
export async function createRow<T extends ProjectRow, V extends ProjectRowValues>(
  ctx: RequestContext,
  kind: AnyKind<T, VersionedRowInput, V>,
  given: V,
  options: Forcing = {},
): Promise<T> {
  if (options.force) assertMayForce(ctx);
  const project = kind.check(given, await kind.refs(ctx, [given]));
  const values = kind.defaults ? kind.defaults.fill(given, project) : given;
  const forced = await liftPeriodLocks(ctx, options.force, project.tenantId, [
    periodRef(kind.entity, values),
  ]);
  const keys = Object.keys(kind.valueColumns) as (keyof V & string)[];
  const params: unknown[] = keys.map((k) => values[k]);
  params.push(project.tenantId, project.recordingOrganisationId, ctx.access.actor);
  const n = params.length;
  const written = returned(kind);
  const [inserted] = await ctx.tx.query<T>(
    `INSERT INTO ${kind.table} AS ${kind.alias} (${keys.map((k) => kind.valueColumns[k]).join(', ')},
       tenant_id, recorded_by_organisation_id, created_by, updated_by)
     VALUES (${keys.map((_k, i) => `$${i + 1}`).join(', ')}, $${n - 2}, $${n - 1}, $${n}, $${n})
     RETURNING ${written.columns}`,
    params,
  );
  if (forced) await joinApprovedPeriod(ctx, kind.entity, project.tenantId, inserted!.id);
  await restorePeriodLocks(ctx, forced);
  const row = inserted && written.complete(inserted);
  await recordAudit(ctx, {
    tenantId: project.tenantId,
    organisationId: project.recordingOrganisationId,
    action: 'CREATE',
    entityType: kind.entity,
    entityId: row!.id,
    projectId: row!.projectId,
    version: row!.version,
    ...auditDiff(null, row!),
    ...(forced ? { details: forcedDetails(forced) } : {}),
  });
  return row!;
}

/**
 * A live row of a project the principal may write (`deleted`: a soft-deleted one of a tenant
 * it restores in), with the organisation it was recorded for.
 */
async function rowToChange<T extends ProjectRow>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  input: VersionedRowInput,
  deleted: boolean,
): Promise<{ current: T; recordedBy: string }> {
  const a = kind.alias;
  const params: unknown[] = [input.id];
  const writable = ctx.access.rowWriteSql(a, params, deleted);
  const [found] = await ctx.tx.query<T & { recordedFor: string }>(
    `SELECT ${kind.columns}, ${a}.recorded_by_organisation_id AS "recordedFor"
     FROM ${kind.table} ${a} WHERE ${a}.id = $1 AND ${writable}`,
    params,
  );
  const { recordedFor, ...current } = await rowToWrite(
    found,
    kind.entity,
    input.expectedVersion,
    async () => (deleted ? false : (await rowsByIds(ctx, kind, [input.id])).length > 0),
  );
  return { current: current as unknown as T, recordedBy: recordedFor };
}

/** Applies an update's changes to the stored row, re-checked as a whole; audited. */
export async function updateRow<T extends ProjectRow, U extends VersionedRowInput & Forcing>(
  ctx: RequestContext,
  kind: AnyKind<T, U>,
  input: U,
): Promise<T> {
  if (input.force) assertMayForce(ctx);
  const { current, recordedBy } = await rowToChange(ctx, kind, input, false);
  const changes = kind.changes(input) as Record<string, unknown>;
  const stored = valuesOf<T, ProjectRowValues>(kind, current);
  const merged = Object.fromEntries(
    Object.entries(stored).map(([k, v]) => [k, changes[k] === undefined ? v : changes[k]]),
  ) as ProjectRowValues;
  kind.check(merged, await kind.refs(ctx, [merged], current.tenantId));
  const forced = await liftPeriodLocks(ctx, input.force, current.tenantId, [
    periodRef(kind.entity, current),
    periodRef(kind.entity, merged),
  ]);
  const params: unknown[] = [];
  const set = assignments(
    Object.fromEntries(
      Object.entries(kind.valueColumns as Record<string, string>).map(([k, column]) => [
        column,
        merged[k] === stored[k] ? undefined : merged[k],
      ]),
    ),
    params,
  );
  const written = returned(kind);
  const updated = written.complete(
    await versionedUpdate<T>(ctx, {
      table: `${kind.table} ${kind.alias}`,
      alias: kind.alias,
      entity: kind.entity,
      tenantId: current.tenantId,
      id: current.id,
      expectedVersion: input.expectedVersion,
      set: set.join(', '),
      where: `${kind.alias}.deleted_at IS NULL`,
      params,
      returning: written.columns,
      actor: ctx.access.actor,
    }),
  );
  await restorePeriodLocks(ctx, forced);
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: recordedBy,
    action: 'UPDATE',
    entityType: kind.entity,
    entityId: current.id,
    projectId: current.projectId,
    version: updated.version,
    ...auditDiff(current, updated),
    ...(forced ? { details: forcedDetails(forced) } : {}),
  });
  return updated;
}

/** Marks a row deleted (hidden from every read), or restores one; audited either way. */
async function setRowDeleted<T extends ProjectRow>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  input: VersionedRowInput & Forcing,
  deleted: boolean,
): Promise<T> {
  if (input.force) assertMayForce(ctx);
  const { current, recordedBy } = await rowToChange(ctx, kind, input, !deleted);
  if (!deleted) {
    // The project (or what the row refers to) may have changed while it was deleted.
    const values = valuesOf<T, ProjectRowValues>(kind, current);
    kind.check(values, await kind.refs(ctx, [values], current.tenantId));
  }
  const forced = await liftPeriodLocks(ctx, input.force, current.tenantId, [
    periodRef(kind.entity, current),
  ]);
  const a = kind.alias;
  const written = returned(kind);
  const result = await versionedUpdate<T & { deletedAt: Date | null }>(ctx, {
    table: `${kind.table} ${a}`,
    alias: a,
    entity: kind.entity,
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: deleted ? 'deleted_at = now()' : 'deleted_at = NULL',
    where: deleted ? `${a}.deleted_at IS NULL` : `${a}.deleted_at IS NOT NULL`,
    params: [],
    returning: `${written.columns}, ${a}.deleted_at AS "deletedAt"`,
    actor: ctx.access.actor,
  });
  await restorePeriodLocks(ctx, forced);
  const { deletedAt, ...row } = { ...written.complete(result), deletedAt: result.deletedAt };
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: recordedBy,
    action: deleted ? 'DELETE' : 'RESTORE',
    entityType: kind.entity,
    entityId: current.id,
    projectId: current.projectId,
    version: row.version,
    before: { deletedAt: deleted ? null : 'deleted' },
    after: { deletedAt },
    ...(forced ? { details: forcedDetails(forced) } : {}),
  });
  return row as unknown as T;
}

/** Soft delete: the row stays (its history and externalId with it), hidden from reads. */
export const deleteRow = <T extends ProjectRow>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  input: VersionedRowInput & Forcing,
) => setRowDeleted(ctx, kind, input, true);

/** Brings back a soft-deleted row (who writes all of the tenant's data). */
export const restoreRow = <T extends ProjectRow>(
  ctx: RequestContext,
  kind: AnyKind<T>,
  input: VersionedRowInput & Forcing,
) => setRowDeleted(ctx, kind, input, false);
