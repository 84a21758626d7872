import type { Access } from '../auth/access';
import type { RequestContext } from '../context';
import type { OrderDirection } from './connection';
import type { VersionedRowInput } from './write-inputs';
import type { ProjectScope } from './write-scope';

/*
 * The rows a project records (activities, measurements), described once by a kind and served
 * by one implementation: reads in project-rows.ts (lists, nested pages, by id), writes in
 * project-row-writes.ts (create, update, soft delete and restore). Each kind's service keeps
 * only its own rules (values, references, checks).
 */

/** What every row of a project has. */
export type ProjectRow = { tenantId: string; id: string; version: number; projectId: string };

/** A project row's writable values, as one create, update or import item sets them. */
export type ProjectRowValues = Record<string, unknown> & {
  projectId: string;
  communityId: string | null;
  externalId: string | null;
};

/** The filters every list of a project's rows takes. */
export type ProjectRowFilter = Readonly<{
  tenantCodes?: readonly string[] | null;
  projectIds?: readonly string[] | null;
  communityIds?: readonly string[] | null;
  updatedSince?: Date | null;
  externalIds?: readonly string[] | null;
}>;

/** The arguments of a list of a project's rows. */
export type ProjectRowArgs<F extends ProjectRowFilter, O extends string> = Readonly<{
  first?: number | null;
  after?: string | null;
  filter?: F | null;
  orderBy?: Readonly<{ field: O; direction: OrderDirection }> | null;
}>;

/** A sort of a list: its column and SQL type, the field it serves, the row's value. */
export type RowSort<T> = Readonly<{
  /** The GraphQL field the column serves, so a pruned select list still has it. */
  field?: string;
  column: string;
  cast: string;
  value: (row: T) => unknown;
}>;

/** A kind of project row: everything the shared implementation needs to know of it. */
export type ProjectRowKind<
  T extends ProjectRow,
  V extends ProjectRowValues,
  R,
  F extends ProjectRowFilter,
  O extends string,
  U extends VersionedRowInput,
> = Readonly<{
  /** The GraphQL type: audit entries and error messages name it. */
  entity: string;
  table: string;
  alias: string;
  /** Every column of the GraphQL type, as reads by id and writes return them. */
  columns: string;
  /**
   * What a write's RETURNING lists instead of `columns`, and how its row becomes a read's:
   * Citus allows only immutable functions there (default: `columns` as they are).
   */
  written?: Readonly<{ columns: string; complete: (row: T) => T }>;
  /** A list's select list for the fields its query selects (default: `columns`). */
  listColumns?: (fields?: ReadonlySet<string>, sortField?: string) => string;
  /** Each writable value's column, in the order INSERTs list them. */
  valueColumns: Readonly<Record<keyof V & string, string>>;
  /** Each writable column's SQL type (imports send their items as typed arrays). */
  sqlTypes: Readonly<Record<string, string>>;
  sorts: Readonly<Record<O, RowSort<T>>>;
  defaultOrder: Readonly<{ field: O; direction: OrderDirection }>;
  /** The kind's own list filters, after those every project row has. */
  filters: (filter: F, params: unknown[], access: Access) => string[];
  /** Loads what checking needs for any number of values at once. */
  refs: (ctx: RequestContext, values: readonly V[], tenantId?: string) => Promise<R>;
  /** The kind's rules for one row's values; returns the project it is recorded for. */
  check: (values: V, refs: R) => ProjectScope & { recordingOrganisationId: string };
  /**
   * Values a new row takes when its write leaves them null (the tenant's language of its
   * texts): `fill` completes a checked row's values; an existing row keeps its own values of
   * `fields` when an import item leaves them null.
   */
  defaults?: Readonly<{
    fields: readonly (keyof V & string)[];
    fill: (values: V, project: ProjectScope) => V;
  }>;
  /** An update's changes (undefined: keep the stored value); refuses null where required. */
  changes: (input: U) => { [K in keyof V]?: V[K] };
}>;

/** A kind of any values, references, filter, sort and update input (the implementation's view). */
/* eslint-disable @typescript-eslint/no-explicit-any */
export type AnyKind<
  T extends ProjectRow,
  U extends VersionedRowInput = any,
  V extends ProjectRowValues = any,
> = ProjectRowKind<T, V, any, any, any, U>;
/* eslint-enable @typescript-eslint/no-explicit-any */
