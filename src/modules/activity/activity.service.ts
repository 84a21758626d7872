import type { Access } from '../../auth/access';
import { OrderDirection } from '../../common/connection';
import { badUserInput } from '../../common/errors';
import { entityColumns } from '../../common/entity-columns';
import type { ProjectRowKind } from '../../common/project-row-kind';
import { param } from '../../common/sql';
import { checkDateOrder, checkWithinSpan, notNull, trimmed } from '../../common/validation';
import {
  existingOrganisations,
  checkTargeted,
  type ProjectScope,
  projectRefs,
  projectToRecord,
} from '../../common/write-scope';
import type { RequestContext } from '../../context';
import { ActivityEntity, type ActivityType, type AgeBand } from './activity.entity';
import {
  type ActivityFilter,
  ActivityOrderField,
  type ActivityValuesInput,
  type UpdateActivityInput,
} from './activity.inputs';
import type { Activity } from './activity.type';
import { ACTIVITY_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { textMatchesSql } from '../translation/translation.search';
import { checkedSourceLanguage } from '../translation/translation.languages';

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
  title: ['a.title', 'a.source_language AS "sourceLanguage"'],
  titleLanguage: ['a.title', 'a.source_language AS "sourceLanguage"'],
  sourceLanguage: ['a.source_language AS "sourceLanguage"'],
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
function withParticipants(row: Activity): Activity {
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
  [ActivityOrderField.UPDATED_AT]: {
    field: 'updatedAt',
    column: 'a.updated_at',
    cast: 'timestamptz',
    value: (a: Activity) => a.updatedAt,
  },
};

/** The filters of activities beyond those every project row has. */
function activityFilters(filter: ActivityFilter, params: unknown[], access: Access): string[] {
  const where: string[] = [];
  if (filter.types) where.push(`a.type = ANY (${param(params, filter.types)}::text[])`);
  if (filter.from) where.push(`a.start_date >= ${param(params, filter.from)}::date`);
  if (filter.to) where.push(`a.start_date <= ${param(params, filter.to)}::date`);
  if (filter.search)
    where.push(
      textMatchesSql(ACTIVITY_TEXTS, 'a', TranslatedField.TITLE, filter.search, params, access),
    );
  return where;
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
  /** Null in a create or import item that gives none: the tenant's default, or the stored one. */
  sourceLanguage: string | null;
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
    sourceLanguage: input.sourceLanguage ?? null,
  };
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
  const { projects, targeted: targeting } = await projectRefs(ctx, values, tenantId);
  const [targeted, organisations] = await Promise.all([
    targeting,
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
  const project = projectToRecord(refs.projects, values.projectId, 'activities');
  checkDateOrder(values.startDate, values.endDate, 'endDate', 'startDate');
  checkWithinSpan(values.startDate, project, 'startDate');
  checkWithinSpan(values.endDate, project, 'endDate');
  checkTargeted(values, refs.targeted);
  if (
    values.facilitatorOrganisationId &&
    !refs.organisations.has(values.facilitatorOrganisationId)
  ) {
    throw badUserInput('facilitatorOrganisationId', 'No such organisation');
  }
  if (values.sourceLanguage !== null)
    checkedSourceLanguage(values.sourceLanguage, project.languages);
  return project;
}

/** ActivityValues' columns and SQL types, as the entity declares them, in one order for writes. */
const ACTIVITY_VALUE_COLUMNS = entityColumns<keyof ActivityValues>(ActivityEntity, [
  'projectId',
  'communityId',
  'type',
  'title',
  'startDate',
  'endDate',
  'facilitatorOrganisationId',
  'participantsFemale',
  'participantsMale',
  'participantsOther',
  'ageBand',
  'externalId',
  'sourceLanguage',
]);

/** An update's changes to an activity (undefined: unchanged). */
function activityChanges(input: UpdateActivityInput): Partial<ActivityValues> {
  return {
    communityId: input.communityId,
    type: notNull(input.type, 'type'),
    title: trimmed(notNull(input.title, 'title')),
    startDate: notNull(input.startDate, 'startDate'),
    endDate: input.endDate,
    facilitatorOrganisationId: input.facilitatorOrganisationId,
    participantsFemale: input.participants?.female ?? undefined,
    participantsMale: input.participants?.male ?? undefined,
    participantsOther: input.participants?.other ?? undefined,
    ageBand: input.ageBand,
    externalId: trimmed(input.externalId),
    sourceLanguage: notNull(input.sourceLanguage, 'sourceLanguage'),
  };
}

/** Activities as a kind of project row (see common/project-rows.ts). */
export const ACTIVITIES: ProjectRowKind<
  Activity,
  ActivityValues,
  ActivityRefs,
  ActivityFilter,
  ActivityOrderField,
  UpdateActivityInput
> = {
  entity: 'Activity',
  table: 'activities',
  alias: 'a',
  columns: ACTIVITY_COLUMNS,
  written: { columns: ACTIVITY_WRITE_COLUMNS, complete: withParticipants },
  listColumns: activityColumns,
  valueColumns: ACTIVITY_VALUE_COLUMNS.columns,
  sqlTypes: ACTIVITY_VALUE_COLUMNS.sqlTypes,
  sorts: SORTS,
  defaultOrder: { field: ActivityOrderField.START_DATE, direction: OrderDirection.DESC },
  filters: activityFilters,
  refs: activityRefs,
  check: checkActivity,
  // A new activity's title is in the tenant's default language unless the write says.
  defaults: {
    fields: ['sourceLanguage'],
    fill: (values, project) => ({
      ...values,
      sourceLanguage: values.sourceLanguage ?? project.languages.default,
    }),
  },
  changes: activityChanges,
};
