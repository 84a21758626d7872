import { validateSync } from 'class-validator';
import ExcelJS from 'exceljs';
import { parseCsv } from '../../common/csv';
import { badUserInput } from '../../common/errors';
import { IsCleanText } from '../../common/validation';
import type { RequestContext } from '../../context';
import { ImportItemStatus } from '../import/import.type';
import { type Column, readCell, type SheetKind } from './spreadsheet.columns';
import type { SheetFormat } from './spreadsheet.export';

/*
 * A spreadsheet (CSV or XLSX, the export's columns) read for importActivities /
 * importMeasurements themselves: the same validation, idempotency and per-item results. A job
 * (spreadsheet.jobs.ts) sends it in batches of 1,000 rows (the imports' limit), each under the
 * key `<idempotencyKey>#<n>`. A cell the import cannot read (a bad date, an unknown value, a
 * column that is not one of ours) makes its row INVALID with the column's name.
 *
 * With `mapping: kobo`, a KoboToolbox or ODK export: group prefixes are dropped from the
 * headers (`group_activity/title` → `title`), `_uuid` (or `meta/instanceID`) is the
 * externalId, and the tools' own metadata columns (`_id`, `_submission_time`, `start`, …) are
 * ignored.
 */

export const SHEET_BATCH = 1000;

export type SheetMapping = 'standard' | 'kobo';

export type SheetRowResult = {
  /** The row's number in the file, the header being row 1. */
  row: number;
  externalId: string | null;
  status: ImportItemStatus;
  id: string | null;
  /** For INVALID: the column. */
  field: string | null;
  message: string | null;
};

export type SheetImportResult = {
  applied: boolean;
  replayed: boolean;
  dryRun: boolean;
  batches: number;
  created: number;
  updated: number;
  unchanged: number;
  invalid: number;
  rows: SheetRowResult[];
};

export type SheetImportOptions = {
  tenantCode: string;
  idempotencyKey: string;
  dryRun: boolean;
  mapping: SheetMapping;
};

/** Columns KoboToolbox and ODK add to every export, which are not ours. */
const KOBO_META = new Set([
  'start',
  'end',
  'today',
  'deviceid',
  'username',
  'simserial',
  'subscriberid',
  'phonenumber',
  'audit',
  'version',
  'instancename',
  'formhubuuid',
]);

const normal = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

class KeyCheck {
  @IsCleanText(190)
  key!: string;
}

/** A file read and checked cell by cell: rows refused already, and the others' items. */
export type ReadSheet = {
  /** Rows that are not empty (the job's total). */
  total: number;
  /** Rows refused while reading (a cell that cannot be read, a column that is not ours). */
  refused: SheetRowResult[];
  /** The other rows as import items, in file order. */
  items: SheetItem[];
};

export type SheetItem = { row: number; item: object; externalId: string | null };

/** Checks the idempotency key as the imports' inputs do. */
export function checkIdempotencyKey(key: string): void {
  if (validateSync(Object.assign(new KeyCheck(), { key })).length > 0) {
    throw badUserInput(
      'idempotencyKey',
      'idempotencyKey is 1–190 characters without control characters',
    );
  }
}

/** Reads a CSV or XLSX file of `kind` into import items, refusing unreadable rows by column. */
export async function readSheet(
  kind: SheetKind,
  format: SheetFormat,
  file: Buffer,
  mapping: SheetMapping,
): Promise<ReadSheet> {
  const records: unknown[][] =
    format === 'csv' ? parseCsv(file.toString('utf8')) : await xlsxRecords(file);
  const [header, ...body] = records;
  if (!header || header.every((h) => cellText(h).trim() === '')) {
    throw badUserInput('file', 'The file is empty: its first row must name the columns');
  }
  const layout = mapHeader(kind, header.map(cellText), mapping);
  const read: ReadSheet = { total: 0, refused: [], items: [] };
  const externalIdAt = layout.columns.findIndex((c) => c?.name === 'externalId');
  rows: for (const [i, cells] of body.entries()) {
    const row = i + 2;
    if (cells.every((c) => cellText(c).trim() === '')) continue;
    read.total++;
    const externalId = externalIdAt >= 0 ? cellText(cells[externalIdAt]).trim() || null : null;
    const fail = (field: string, message: string) =>
      read.refused.push({
        row,
        externalId,
        status: ImportItemStatus.INVALID,
        id: null,
        field,
        message,
      });
    if (layout.unknown) {
      fail(
        layout.unknown,
        `${layout.unknown} is not a column of ${kind.name} (${kind.columns.map((c) => c.name).join(', ')})`,
      );
      continue;
    }
    if (layout.missing) {
      fail(layout.missing, `the file has no ${layout.missing} column`);
      continue;
    }
    const values: Record<string, unknown> = {};
    for (const [at, column] of layout.columns.entries()) {
      if (!column || column.readOnly) continue;
      const cell = readCell(column.type, cells[at]);
      if ('error' in cell) {
        fail(column.name, `${column.name} ${cell.error}`);
        continue rows;
      }
      if (cell.value === null && !column.optional) {
        fail(column.name, `${column.name} is required`);
        continue rows;
      }
      values[column.name] = cell.value;
    }
    read.items.push({ row, item: kind.item(values), externalId });
  }
  return read;
}

/** One batch of a job through importActivities / importMeasurements: its per-row results. */
export async function importBatch(
  ctx: RequestContext,
  kind: SheetKind,
  batch: readonly SheetItem[],
  options: SheetImportOptions & { batch: number },
): Promise<{ applied: boolean; rows: SheetRowResult[] }> {
  const result = await kind.import(
    ctx,
    {
      tenantCode: options.tenantCode,
      idempotencyKey: `${options.idempotencyKey}#${options.batch}`,
      dryRun: options.dryRun,
      atomic: false,
      // Spreadsheets never force: a platform admin forces through the GraphQL imports.
      force: false,
    },
    batch.map((b) => b.item),
  );
  const rows = result.items.map((item) => {
    const source = batch[item.index]!;
    return {
      row: source.row,
      externalId: item.externalId ?? source.externalId,
      status: item.status,
      id: item.id,
      field: item.field === null ? null : kind.columnOf(item.field),
      message: item.message,
    };
  });
  return { applied: result.applied, rows };
}

type Layout = {
  /** The column of each position of the file; null for one ignored. */
  columns: (Column | null)[];
  /** A header that names none of our columns (a standard file), refused on every row. */
  unknown: string | null;
  /** A required column absent from the file. */
  missing: string | null;
};

function mapHeader(kind: SheetKind, header: string[], mapping: SheetMapping): Layout {
  const byName = new Map(kind.columns.map((c) => [normal(c.name), c]));
  const layout: Layout = { columns: [], unknown: null, missing: null };
  const names = header.map((h) => (mapping === 'kobo' ? h.slice(h.lastIndexOf('/') + 1) : h));
  const hasUuid = names.some((n) => normal(n) === 'uuid' && n.trim().startsWith('_'));
  for (const [at, name] of names.entries()) {
    const key = normal(name);
    let column = byName.get(key) ?? null;
    if (mapping === 'kobo') {
      const underscored = name.trim().startsWith('_');
      if (underscored && key === 'uuid') column = byName.get('externalid')!;
      else if (key === 'instanceid') column = hasUuid ? null : byName.get('externalid')!;
      else if (underscored || KOBO_META.has(key)) column = null;
      else if (!column) column = null;
    } else if (!column && name.trim() !== '') {
      layout.unknown ??= name.trim();
    }
    if (column && layout.columns.includes(column)) column = null;
    layout.columns[at] = column;
  }
  const missing = kind.columns.find((c) => !c.optional && !layout.columns.includes(c));
  layout.missing = missing?.name ?? null;
  return layout;
}

/** The first worksheet's rows as cell values (text, numbers, dates). */
async function xlsxRecords(file: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    throw badUserInput('file', 'The file is not an XLSX workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw badUserInput('file', 'The workbook has no worksheet');
  const records: unknown[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    const values = (row.values as unknown[]).slice(1).map(cellValue);
    records[number - 1] = values;
  });
  return Array.from(records, (r) => r ?? []);
}

function cellValue(value: unknown): unknown {
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const v = value as { text?: unknown; result?: unknown; richText?: { text: string }[] };
    if (v.richText) return v.richText.map((t) => t.text).join('');
    if (v.text !== undefined) return v.text;
    if (v.result !== undefined) return v.result;
    return null;
  }
  return value;
}

/** A cell as text: numbers and dates as they print, anything else empty. */
function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return '';
}
