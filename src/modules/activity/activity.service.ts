import {
  fetchNestedPages,
  fetchPage,
  OrderDirection,
  type Page,
  type ParentKey,
} from '../../common/connection';
import { badUserInput, forbidden } from '../../common/errors';
import {
  existingOrganisations,
  pairKey,
  type ProjectScope,
  projectScopes,
  targetedPairs,
} from '../../common/write-scope';
import { projectRowConditions } from '../../common/project-rows';
import { containsPattern, param } from '../../common/sql';
import { checkDateOrder, checkWithinSpan, notNull, trimmed } from '../../common/validation';
import { assignments, rowToWrite, versionedUpdate } from '../../common/versioned-write';
import type { DeleteRowInput, RestoreRowInput } from '../../common/write-inputs';
import { auditDiff, recordAudit } from '../audit/audit.service';
import type { ActivityType, AgeBand } from './activity.entity';
import type { RequestContext } from '../../context';
import {
  type ActivitiesArgs,
  ActivityOrderField,
  type ActivityValuesInput,
  type CreateActivityInput,
  type UpdateActivityInput,
} from './activity.inputs';
import type { Activity } from './activity.type';

/**
 * The columns behind each field of Activity: a list loads only those its query selects (the
 * keys always). A field missing here (a new one) loads every column.
 */
const KEY_COLUMNS = ['a.tenant_id AS "tenantId"', 'a.id'];
const FIELD_COLUMNS: Record<string, readonly string[]> = {
  id: [],
  tenant: [],
  project: ['a.project_id AS "projectId"'],
  community: ['a.community_id AS "communityId"'],
  type: ['a.type'],
  title: ['a.title'],
  startDate: ['a.start_date AS "startDate"'],
  endDate: ['a.end_date AS "endDate"'],
  facilitator: ['a.facilitator_organisation_id AS "facilitatorOrganisationId"'],
  recordedBy: ['a.recorded_by_organisation_id AS "recordedByOrganisationId"'],
  // Built here rather than by a field resolver, which would run for every activity of a page.
  participants: [
    `json_build_object('female', a.participants_female, 'male', a.participants_male,
      'other', a.participants_other,
      'total', a.participants_female + a.participants_male + a.participants_other) AS participants`,
  ],
  ageBand: ['a.age_band AS "ageBand"'],
  externalId: ['a.external_id AS "externalId"'],
  version: ['a.version'],
  createdAt: ['a.created_at AS "createdAt"'],
  updatedAt: ['a.updated_at AS "updatedAt"'],
};
const COUNT_COLUMNS = `a.participants_female AS "participantsFemale",
  a.participants_male AS "participantsMale", a.participants_other AS "participantsOther"`;
/** Every field's columns, and the counts writes compare and merge. */
const ACTIVITY_COLUMNS = `${activityColumns()}, ${COUNT_COLUMNS}`;
/**
 * The same for a write's RETURNING clause, without `participants`: Citus allows only immutable
 * functions there (json_build_object is not), so writes build it with `withParticipants`.
 */
const ACTIVITY_WRITE_COLUMNS = `${activityColumns(
  new Set(Object.keys(FIELD_COLUMNS).filter((field) => field !== 'participants')),
)}, ${COUNT_COLUMNS}`;

/** A written activity with its participants, as a read would build them. */
function withParticipants<T extends Omit<Activity, 'participants'>>(row: T): T & Activity {
  const { participantsFemale: female, participantsMale: male, participantsOther: other } = row;
  return { ...row, participants: { female, male, other, total: female + male + other } };
}

/** The select list for `fields` of Activity (and the sort's), or for all of them. */
export function activityColumns(fields?: ReadonlySet<string>, sortField?: string): string {
  const wanted = fields ? [...fields, ...(sortField ? [sortField] : [])] : null;
  const known = wanted?.every((f) => f === '__typename' || f in FIELD_COLUMNS);
  const columns = (known ? wanted! : Object.keys(FIELD_COLUMNS)).flatMap(
    (f) => FIELD_COLUMNS[f] ?? [],
  );
  return [...new Set([...KEY_COLUMNS, ...columns])].join(', ');
}

const SORTS = {
  [ActivityOrderField.START_DATE]: {
    field: 'startDate',
    column: 'a.start_date',
    cast: 'date',
    value: (a: Activity) => a.startDate,
  },
  [ActivityOrderField.TITLE]: {
    field: 'title',
    column: 'a.title',
    cast: 'text',
    value: (a: Activity) => a.title,
  },
  [ActivityOrderField.CREATED_AT]: {
    field: 'createdAt',
    column: 'a.created_at',
    cast: 'timestamptz',
    value: (a: Activity) => a.createdAt,
  },
};

function filterSql(ctx: RequestContext, args: ActivitiesArgs, params: unknown[]): string[] {
  const filter = args.filter ?? {};
  const where = projectRowConditions(ctx, 'a', filter, params);
  if (filter.types) where.push(`a.type = ANY (${param(params, filter.types)}::text[])`);
  if (filter.from) where.push(`a.start_date >= ${param(params, filter.from)}::date`);
  if (filter.to) where.push(`a.start_date <= ${param(params, filter.to)}::date`);
  if (filter.search)
    where.push(`a.title ILIKE ${param(params, containsPattern(filter.search.trim()))}`);
  return where;
}

function order(args: ActivitiesArgs) {
  const o = args.orderBy ?? {
    field: ActivityOrderField.START_DATE,
    direction: OrderDirection.DESC,
  };
  return { sort: SORTS[o.field], direction: o.direction };
}

/** A page of activities, loading the columns of `fields` only when given. */
export async function listActivities(
  ctx: RequestContext,
  args: ActivitiesArgs,
  fields?: ReadonlySet<string>,
): Promise<Page<Activity>> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  const { sort, direction } = order(args);
  return fetchPage<Activity>((sql, p) => ctx.tx.query(sql, p), {
    select: activityColumns(fields, sort.field),
    from: 'activities a',
    where,
    params,
    idColumn: 'a.id',
    sort,
    direction,
    first: args.first,
    after: args.after,
  });
}

/**
 * One page of activities per parent (a project or a community), in one statement, loading the
 * columns of `fields` only when given.
 */
export async function activitiesOf(
  ctx: RequestContext,
  parent: 'project' | 'community',
  parents: readonly ParentKey[],
  args: ActivitiesArgs,
  fields?: ReadonlySet<string>,
): Promise<Page<Activity>[]> {
  const params: unknown[] = [];
  const where = filterSql(ctx, args, params);
  const { sort, direction } = order(args);
  return fetchNestedPages<Activity>(
    (sql, p) => ctx.tx.query(sql, p),
    {
      select: activityColumns(fields, sort.field),
      from: 'activities a',
      tenantColumn: 'a.tenant_id',
      parentWhere: `a.tenant_id = k.tenant_id AND a.${parent}_id = k.parent_id`,
      where,
      params,
      idColumn: 'a.id',
      sort,
      direction,
      first: args.first,
      after: args.after,
    },
    parents,
  );
}

export async function activitiesByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Activity[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Activity>(
    `SELECT ${ACTIVITY_COLUMNS} FROM activities a
     WHERE a.id = ANY ($1::uuid[]) AND a.deleted_at IS NULL
       AND ${ctx.access.projectVisibleSql('a.tenant_id', 'a.project_id', params)}`,
    params,
  );
}

/** An activity's writable columns, as one create, update or import item sets them. */
export type ActivityValues = {
  projectId: string;
  communityId: string | null;
  type: ActivityType;
  title: string;
  startDate: string;
  endDate: string | null;
  facilitatorOrganisationId: string | null;
  participantsFemale: number;
  participantsMale: number;
  participantsOther: number;
  ageBand: AgeBand | null;
  externalId: string | null;
};

/** The values of a create or import input: trimmed, defaults filled in. */
export function activityValues(
  input: ActivityValuesInput & { externalId?: string | null },
): ActivityValues {
  return {
    projectId: input.projectId,
    communityId: input.communityId ?? null,
    type: input.type,
    title: input.title.trim(),
    startDate: input.startDate,
    endDate: input.endDate ?? null,
    facilitatorOrganisationId: input.facilitatorOrganisationId ?? null,
    participantsFemale: input.participants?.female ?? 0,
    participantsMale: input.participants?.male ?? 0,
    participantsOther: input.participants?.other ?? 0,
    ageBand: input.ageBand ?? null,
    externalId: trimmed(input.externalId) ?? null,
  };
}

/** The writable values of a stored activity. */
function valuesOf(activity: Activity): ActivityValues {
  const keys = Object.keys(ACTIVITY_VALUE_COLUMNS) as (keyof ActivityValues)[];
  return Object.fromEntries(keys.map((k) => [k, activity[k]])) as ActivityValues;
}

/** What checking activities needs from the database, loaded once for any number of them. */
export type ActivityRefs = Readonly<{
  projects: Map<string, ProjectScope>;
  targeted: Set<string>;
  organisations: Set<string>;
}>;

export async function activityRefs(
  ctx: RequestContext,
  values: readonly ActivityValues[],
  tenantId?: string,
): Promise<ActivityRefs> {
  const projects = await projectScopes(ctx, [...new Set(values.map((v) => v.projectId))], tenantId);
  const pairs = values.flatMap((v) => {
    const project = projects.get(v.projectId);
    return project && v.communityId
      ? [{ tenantId: project.tenantId, projectId: v.projectId, communityId: v.communityId }]
      : [];
  });
  const [targeted, organisations] = await Promise.all([
    targetedPairs(ctx, pairs),
    existingOrganisations(ctx, [
      ...new Set(values.flatMap((v) => v.facilitatorOrganisationId ?? [])),
    ]),
  ]);
  return { projects, targeted, organisations };
}

/**
 * The rules of DESIGN §2–§3 for one activity: a project the principal records for, a
 * community that project targets (so of the same tenant; a community outside the project
 * would put rows where its partners cannot see them), ordered dates within the project's
 * span, an existing facilitator. Returns the project; throws BAD_USER_INPUT (FORBIDDEN for a
 * project the principal reads but may not write).
 */
export function checkActivity(
  values: ActivityValues,
  refs: ActivityRefs,
): ProjectScope & { recordingOrganisationId: string } {
  const project = refs.projects.get(values.projectId);
  if (!project) throw badUserInput('projectId', 'No such project, or it is hidden from you');
  if (!project.recordingOrganisationId) {
    throw forbidden('You may not record activities of this project');
  }
  checkDateOrder(values.startDate, values.endDate, 'endDate', 'startDate');
  checkWithinSpan(values.startDate, project, 'startDate');
  checkWithinSpan(values.endDate, project, 'endDate');
  if (values.communityId && !refs.targeted.has(pairKey(values.projectId, values.communityId))) {
    throw badUserInput('communityId', 'The project does not target this community');
  }
  if (
    values.facilitatorOrganisationId &&
    !refs.organisations.has(values.facilitatorOrganisationId)
  ) {
    throw badUserInput('facilitatorOrganisationId', 'No such organisation');
  }
  return project as ProjectScope & { recordingOrganisationId: string };
}

/** Column names of ActivityValues' fields, in one order for INSERTs and UPDATEs. */
export const ACTIVITY_VALUE_COLUMNS: Readonly<Record<keyof ActivityValues, string>> = {
  projectId: 'project_id',
  communityId: 'community_id',
  type: 'type',
  title: 'title',
  startDate: 'start_date',
  endDate: 'end_date',
  facilitatorOrganisationId: 'facilitator_organisation_id',
  participantsFemale: 'participants_female',
  participantsMale: 'participants_male',
  participantsOther: 'participants_other',
  ageBand: 'age_band',
  externalId: 'external_id',
};

export async function createActivity(
  ctx: RequestContext,
  input: CreateActivityInput,
): Promise<Activity> {
  const values = activityValues(input);
  const project = checkActivity(values, await activityRefs(ctx, [values]));
  const keys = Object.keys(ACTIVITY_VALUE_COLUMNS) as (keyof ActivityValues)[];
  const columns = keys.map((k) => ACTIVITY_VALUE_COLUMNS[k]);
  const params: unknown[] = keys.map((k) => values[k]);
  params.push(project.tenantId, project.recordingOrganisationId, ctx.access.actor);
  const n = params.length;
  const [created] = await ctx.tx.query<Activity>(
    `INSERT INTO activities AS a (${columns.join(', ')}, tenant_id, recorded_by_organisation_id,
       created_by, updated_by)
     VALUES (${columns.map((_c, i) => `$${i + 1}`).join(', ')}, $${n - 2}, $${n - 1}, $${n}, $${n})
     RETURNING ${ACTIVITY_WRITE_COLUMNS}`,
    params,
  );
  const activity = created && withParticipants(created);
  await recordAudit(ctx, {
    tenantId: project.tenantId,
    organisationId: project.recordingOrganisationId,
    action: 'CREATE',
    entityType: 'Activity',
    entityId: activity!.id,
    ...auditDiff(null, activity!),
  });
  return activity!;
}

/**
 * A live activity of a project the principal may write (`deleted`: a soft-deleted one of a
 * tenant it administers, for restoring).
 */
async function activityToWrite(
  ctx: RequestContext,
  id: string,
  expectedVersion: number,
  deleted = false,
): Promise<Activity> {
  const params: unknown[] = [id];
  const writable = deleted
    ? `a.deleted_at IS NOT NULL AND a.tenant_id = ANY (${param(params, ctx.access.adminWriterTenantIds)}::uuid[])`
    : `a.deleted_at IS NULL AND a.tenant_id = ANY (${param(params, ctx.access.writerTenantIds)}::uuid[])
       AND ${ctx.access.recordingOrganisationSql('a.tenant_id', 'a.project_id', params)} IS NOT NULL`;
  const [row] = await ctx.tx.query<Activity>(
    `SELECT ${ACTIVITY_COLUMNS} FROM activities a WHERE a.id = $1 AND ${writable}`,
    params,
  );
  return rowToWrite(row, 'Activity', expectedVersion, async () =>
    deleted ? false : (await activitiesByIds(ctx, [id])).length > 0,
  );
}

export async function updateActivity(
  ctx: RequestContext,
  input: UpdateActivityInput,
): Promise<Activity> {
  const current = await activityToWrite(ctx, input.id, input.expectedVersion);
  const merged: ActivityValues = {
    projectId: current.projectId,
    communityId: input.communityId === undefined ? current.communityId : input.communityId,
    type: notNull(input.type, 'type') ?? current.type,
    title: trimmed(notNull(input.title, 'title')) ?? current.title,
    startDate: notNull(input.startDate, 'startDate') ?? current.startDate,
    endDate: input.endDate === undefined ? current.endDate : input.endDate,
    facilitatorOrganisationId:
      input.facilitatorOrganisationId === undefined
        ? current.facilitatorOrganisationId
        : input.facilitatorOrganisationId,
    participantsFemale: input.participants?.female ?? current.participantsFemale,
    participantsMale: input.participants?.male ?? current.participantsMale,
    participantsOther: input.participants?.other ?? current.participantsOther,
    ageBand: input.ageBand === undefined ? current.ageBand : input.ageBand,
    externalId: input.externalId === undefined ? current.externalId : trimmed(input.externalId),
  };
  checkActivity(merged, await activityRefs(ctx, [merged], current.tenantId));
  const params: unknown[] = [];
  const set = assignments(
    Object.fromEntries(
      (Object.keys(ACTIVITY_VALUE_COLUMNS) as (keyof ActivityValues)[]).map((k) => [
        ACTIVITY_VALUE_COLUMNS[k],
        merged[k] === current[k as keyof Activity] ? undefined : merged[k],
      ]),
    ),
    params,
  );
  const updated = await versionedUpdate<Activity>(writeActivity(ctx), {
    table: 'activities a',
    alias: 'a',
    entity: 'Activity',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: set.join(', '),
    where: 'a.deleted_at IS NULL',
    params,
    returning: ACTIVITY_WRITE_COLUMNS,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: current.recordedByOrganisationId,
    action: 'UPDATE',
    entityType: 'Activity',
    entityId: current.id,
    ...auditDiff(current, updated),
  });
  return updated;
}

/** Runs a write returning ACTIVITY_WRITE_COLUMNS, its rows completed by withParticipants. */
function writeActivity(ctx: RequestContext) {
  return async <R extends object>(sql: string, params: unknown[]): Promise<R[]> =>
    (await ctx.tx.query<Activity>(sql, params)).map(withParticipants) as unknown as R[];
}

/** Marks an activity deleted (hidden from every read), or restores one; audited either way. */
async function setActivityDeleted(
  ctx: RequestContext,
  input: DeleteRowInput | RestoreRowInput,
  deleted: boolean,
): Promise<Activity> {
  const current = await activityToWrite(ctx, input.id, input.expectedVersion, !deleted);
  if (!deleted) {
    // The project may have changed while the row was deleted: it must still fit.
    const values = valuesOf(current);
    checkActivity(values, await activityRefs(ctx, [values], current.tenantId));
  }
  const result = await versionedUpdate<Activity & { deletedAt: Date | null }>(writeActivity(ctx), {
    table: 'activities a',
    alias: 'a',
    entity: 'Activity',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: deleted ? 'deleted_at = now()' : 'deleted_at = NULL',
    where: deleted ? 'a.deleted_at IS NULL' : 'a.deleted_at IS NOT NULL',
    params: [],
    returning: `${ACTIVITY_WRITE_COLUMNS}, a.deleted_at AS "deletedAt"`,
    actor: ctx.access.actor,
  });
  const { deletedAt, ...activity } = result;
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    organisationId: current.recordedByOrganisationId,
    action: deleted ? 'DELETE' : 'RESTORE',
    entityType: 'Activity',
    entityId: current.id,
    before: { deletedAt: deleted ? null : 'deleted' },
    after: { deletedAt },
  });
  return activity;
}

/** Soft delete: the row stays (its history and externalId with it), hidden from reads. */
export const deleteActivity = (ctx: RequestContext, input: DeleteRowInput) =>
  setActivityDeleted(ctx, input, true);

/** Brings back a soft-deleted activity (tenant admins). */
export const restoreActivity = (ctx: RequestContext, input: RestoreRowInput) =>
  setActivityDeleted(ctx, input, false);
