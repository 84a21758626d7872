import type { ProjectRow, ProjectRowKind, ProjectRowValues } from '../../common/project-row-kind';
import type { ProjectScope } from '../../common/write-scope';
import type { RequestContext } from '../../context';
import {
  ACTIVITIES,
  type ActivityRefs,
  type ActivityValues,
  activityValues,
} from '../activity/activity.service';
import {
  MEASUREMENTS,
  type MeasurementRefs,
  type MeasurementValues,
  measurementValues,
} from '../measurement/measurement.service';
import type { ActivityImportItem, MeasurementImportItem } from './import.inputs';
import { ACTIVITY_TEXTS, type TranslatableKind } from '../translation/translation.kinds';
import type { TranslationInput } from '../translation/translation.type';

export type Values = ProjectRowValues;

/** The table an import writes: field → column, and each column's SQL type. */
export type TableShape<V extends Values> = Readonly<{
  table: string;
  columns: Readonly<Record<keyof V & string, string>>;
  sqlTypes: Readonly<Record<string, string>>;
}>;

/** What differs between importing activities and measurements; the engine does the rest. */
export type ImportKind<I extends object, V extends Values, R> = TableShape<V> &
  Readonly<{
    operation: string;
    entityType: string;
    /** Columns to compare an item with its row (value is numeric, read back as float8). */
    select: string;
    values: (item: I) => V;
    /** Loads what checking needs for all items at once; `check` then tests one item. */
    refs: (ctx: RequestContext, values: V[], tenantId: string) => Promise<R>;
    check: (values: V, refs: R) => ProjectScope & { recordingOrganisationId: string };
    /** Values a new row takes when an item leaves them null; a stored row keeps its own. */
    defaults?: ProjectRowKind<ProjectRow, V, R, never, never, never>['defaults'];
    /** The texts of the rows, which items may translate. */
    texts?: Readonly<{
      kind: TranslatableKind;
      translations: (item: I) => readonly TranslationInput[] | null | undefined;
    }>;
  }>;

/** An import of a kind of project row, whose rows its `values` make of items. */
function importOf<I extends object, V extends Values, R>(
  kind: Pick<
    ProjectRowKind<ProjectRow, V, R, never, never, never>,
    'entity' | 'table' | 'valueColumns' | 'sqlTypes' | 'refs' | 'check' | 'defaults'
  >,
  operation: string,
  values: (item: I) => V,
  texts?: ImportKind<I, V, R>['texts'],
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
    defaults: kind.defaults,
    texts,
  };
}

export const ACTIVITY_IMPORT = importOf<ActivityImportItem, ActivityValues, ActivityRefs>(
  ACTIVITIES,
  'importActivities',
  activityValues,
  { kind: ACTIVITY_TEXTS, translations: (item) => item.translations },
);

export const MEASUREMENT_IMPORT = importOf<
  MeasurementImportItem,
  MeasurementValues,
  MeasurementRefs
>(MEASUREMENTS, 'importMeasurements', measurementValues);
