import { ActivityType, AgeBand } from '../activity/activity.entity';
import { ActivityFilter, ParticipantsInput } from '../activity/activity.inputs';
import { ACTIVITIES } from '../activity/activity.service';
import { ActivityImportItem, MeasurementImportItem } from '../import/import.inputs';
import { importActivities, importMeasurements } from '../import/import.service';
import { MeasurementPeriod, Sex } from '../measurement/measurement.entity';
import { MeasurementFilter } from '../measurement/measurement.inputs';
import { MEASUREMENTS } from '../measurement/measurement.service';
import type { AnyKind, ProjectRow } from '../../common/project-row-kind';
import type { RequestContext } from '../../context';
import type { ImportOptionsInput } from '../import/import.inputs';
import type { ImportResult } from '../import/import.type';

/*
 * The columns of a spreadsheet of activities or measurements, declared once for export and
 * import: the import items' fields, flattened (participants.female → participantsFemale), plus
 * the row's `id`, which an export writes for reference and an import ignores (rows are matched
 * by externalId). A column's type says how a cell is read back and what it may hold.
 */

export type CellType =
  | { kind: 'text' }
  | { kind: 'uuid' }
  | { kind: 'date' }
  | { kind: 'int' }
  | { kind: 'number' }
  | { kind: 'enum'; values: readonly string[] };

export type Column = Readonly<{
  name: string;
  /** The SQL of the exported value (table alias of the kind). */
  sql: string;
  type: CellType;
  /** Whether an import may leave it empty. */
  optional: boolean;
  /** The column only informs (an import skips it). */
  readOnly?: boolean;
}>;

type SheetItem = Record<string, unknown>;

export type SheetKind = Readonly<{
  name: 'activities' | 'measurements';
  rows: AnyKind<ProjectRow>;
  columns: readonly Column[];
  filterClass: new () => object;
  /** The list filters a query string may carry, and their cell types. */
  filters: Readonly<Record<string, CellType & { list?: boolean }>>;
  /** A converted row as the import's item (a class instance, for its validation). */
  item: (values: SheetItem) => object;
  /** The import's own field name back to the column (participants.female → participantsFemale). */
  columnOf: (field: string) => string;
  import: (
    ctx: RequestContext,
    options: ImportOptionsInput,
    items: object[],
  ) => Promise<ImportResult>;
}>;

const uuid: CellType = { kind: 'uuid' };
const text: CellType = { kind: 'text' };
const date: CellType = { kind: 'date' };
const int: CellType = { kind: 'int' };
const enumOf = (values: Record<string, string>): CellType => ({
  kind: 'enum',
  values: Object.values(values),
});

const col = (name: string, sql: string, type: CellType, optional = true): Column => ({
  name,
  sql,
  type,
  optional,
});

const COMMON_FILTERS = {
  tenantCodes: { kind: 'text', list: true },
  projectIds: { kind: 'uuid', list: true },
  communityIds: { kind: 'uuid', list: true },
} as const;

export const ACTIVITY_SHEET: SheetKind = {
  name: 'activities',
  rows: ACTIVITIES as unknown as AnyKind<ProjectRow>,
  columns: [
    { ...col('id', 'a.id', uuid), readOnly: true },
    col('externalId', 'a.external_id', text, false),
    col('projectId', 'a.project_id', uuid, false),
    col('communityId', 'a.community_id', uuid),
    col('type', 'a.type', enumOf(ActivityType), false),
    col('title', 'a.title', text, false),
    col('startDate', 'a.start_date::text', date, false),
    col('endDate', 'a.end_date::text', date),
    col('facilitatorOrganisationId', 'a.facilitator_organisation_id', uuid),
    col('participantsFemale', 'a.participants_female', int),
    col('participantsMale', 'a.participants_male', int),
    col('participantsOther', 'a.participants_other', int),
    col('ageBand', 'a.age_band', enumOf(AgeBand)),
  ],
  filterClass: ActivityFilter,
  filters: {
    ...COMMON_FILTERS,
    types: { ...enumOf(ActivityType), list: true },
    from: date,
    to: date,
    search: text,
  },
  item: (v) => {
    const { participantsFemale, participantsMale, participantsOther, ...rest } = v;
    const participants = Object.assign(new ParticipantsInput(), {
      female: participantsFemale ?? 0,
      male: participantsMale ?? 0,
      other: participantsOther ?? 0,
    });
    return Object.assign(new ActivityImportItem(), rest, { participants });
  },
  columnOf: (field) =>
    field.startsWith('participants.')
      ? `participants${field[13]!.toUpperCase()}${field.slice(14)}`
      : field,
  import: (ctx, options, items) =>
    importActivities(ctx, { ...options, items: items as ActivityImportItem[] }),
};

export const MEASUREMENT_SHEET: SheetKind = {
  name: 'measurements',
  rows: MEASUREMENTS as unknown as AnyKind<ProjectRow>,
  columns: [
    { ...col('id', 'm.id', uuid), readOnly: true },
    col('externalId', 'm.external_id', text, false),
    col('indicatorId', 'm.indicator_id', uuid, false),
    col('projectId', 'm.project_id', uuid, false),
    col('communityId', 'm.community_id', uuid),
    col('period', 'm.period', enumOf(MeasurementPeriod), false),
    col('measuredOn', 'm.measured_on::text', date, false),
    col('value', 'm.value::float8', { kind: 'number' }, false),
    col('sampleSize', 'm.sample_size', int),
    col('sex', 'm.sex', enumOf(Sex)),
    col('ageBand', 'm.age_band', enumOf(AgeBand)),
    col('source', 'm.source', text),
  ],
  filterClass: MeasurementFilter,
  filters: {
    ...COMMON_FILTERS,
    indicatorCodes: { kind: 'text', list: true },
    periods: { ...enumOf(MeasurementPeriod), list: true },
    from: date,
    to: date,
  },
  item: (v) => Object.assign(new MeasurementImportItem(), v),
  columnOf: (field) => field,
  import: (ctx, options, items) =>
    importMeasurements(ctx, { ...options, items: items as MeasurementImportItem[] }),
};

export const SHEETS: Readonly<Record<string, SheetKind>> = {
  activities: ACTIVITY_SHEET,
  measurements: MEASUREMENT_SHEET,
};

/** What a cell of the column's type must look like, for messages. */
export function expected(type: CellType): string {
  switch (type.kind) {
    case 'uuid':
      return 'a UUID';
    case 'date':
      return 'a date (YYYY-MM-DD)';
    case 'int':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'enum':
      return `one of ${type.values.join(', ')}`;
    case 'text':
      return 'text';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A cell's value as the column's type, or an error saying what it should be. */
export function readCell(type: CellType, raw: unknown): { value: unknown } | { error: string } {
  if (raw === null || raw === undefined || raw === '') return { value: null };
  if (raw instanceof Date) {
    if (type.kind === 'date') return { value: raw.toISOString().slice(0, 10) };
    return { error: `must be ${expected(type)}` };
  }
  if (typeof raw === 'number') {
    if (type.kind === 'number') return { value: raw };
    if (type.kind === 'int')
      return Number.isInteger(raw) ? { value: raw } : { error: `must be ${expected(type)}` };
    if (type.kind === 'text') return { value: String(raw) };
    return { error: `must be ${expected(type)}` };
  }
  // A leading apostrophe is the export's formula neutralisation; the value is what follows.
  const text = (
    typeof raw === 'string' ? raw : typeof raw === 'boolean' ? String(raw) : ''
  ).replace(/^'(?=[=+\-@\t\r])/, '');
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  switch (type.kind) {
    case 'text':
      return { value: text };
    case 'uuid':
      return UUID.test(trimmed)
        ? { value: trimmed.toLowerCase() }
        : { error: `must be ${expected(type)}` };
    case 'date':
      // A real day: V8 reads 2025-02-31 as 3 March, which PostgreSQL would then refuse for
      // the whole batch; the GraphQL inputs' LocalDate scalar refuses it the same way.
      return DATE.test(trimmed) && isRealDay(trimmed)
        ? { value: trimmed }
        : { error: `must be ${expected(type)}` };
    case 'int':
      return /^-?\d+$/.test(trimmed)
        ? { value: Number(trimmed) }
        : { error: `must be ${expected(type)}` };
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(trimmed)
        ? { value: Number(trimmed) }
        : { error: `must be ${expected(type)}` };
    case 'enum': {
      const value = trimmed.toUpperCase();
      return type.values.includes(value) ? { value } : { error: `must be ${expected(type)}` };
    }
  }
}

/** Whether YYYY-MM-DD names a day of the calendar (not 2025-02-31 or 2025-13-01). */
function isRealDay(day: string): boolean {
  const time = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(day);
}
