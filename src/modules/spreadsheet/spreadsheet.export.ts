import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { validate } from 'class-validator';
import ExcelJS from 'exceljs';
import { csvRecord, neutralised } from '../../common/csv';
import { badUserInput, forbidden } from '../../common/errors';
import { listConditions } from '../../common/project-rows';
import type { ProjectRowFilter } from '../../common/project-row-kind';
import type { RequestContext } from '../../context';
import { expected, readCell, type SheetKind } from './spreadsheet.columns';

/*
 * Activities and measurements as CSV or XLSX, every row the principal may read that matches the
 * list's filters: the lists' own conditions (`listConditions`: not deleted, visible projects,
 * the common and the kind's filters). Rows are read in keyset batches inside the request's
 * transaction and written out as they come, so memory stays flat whatever the row count (see
 * test/integration/spreadsheet-export.test.ts); the file has no row limit. Text a spreadsheet
 * would run as a formula is neutralised.
 */

/** Rows per statement: large enough to be quick, small enough to stay flat. */
const BATCH = 2000;

export type SheetFormat = 'csv' | 'xlsx';

export const MEDIA_TYPES: Readonly<Record<SheetFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The query string as the kind's list filter, validated like the GraphQL argument. */
export async function sheetFilter(
  kind: SheetKind,
  query: Record<string, unknown>,
): Promise<ProjectRowFilter> {
  const filter: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(query)) {
    const type = kind.filters[name];
    if (!type) {
      throw badUserInput(
        name,
        `Unknown filter ${name}; the filters are ${Object.keys(kind.filters).join(', ')}`,
      );
    }
    const texts = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : ''));
    const values = type.list
      ? texts
          .join(',')
          .split(',')
          .filter((v) => v.trim() !== '')
      : texts;
    if (!type.list && values.length !== 1) throw badUserInput(name, `${name} may be given once`);
    const read = values.map((v) => readCell(type, v));
    const failed = read.find((r) => 'error' in r);
    if (failed && 'error' in failed) throw badUserInput(name, `${name} ${failed.error}`);
    const parsed = read.map((r) => ('value' in r ? r.value : null));
    filter[name] = type.list ? parsed : parsed[0];
  }
  const instance = Object.assign(new kind.filterClass(), filter);
  const errors = await validate(instance, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const error = errors[0]!;
    throw badUserInput(
      error.property,
      Object.values(error.constraints ?? {})[0] ?? `is ${expected({ kind: 'text' })}`,
    );
  }
  return instance;
}

/** Streams the rows into `out` as CSV or XLSX; the caller commits once it returns. */
export async function exportSheet(
  ctx: RequestContext,
  kind: SheetKind,
  filter: ProjectRowFilter,
  format: SheetFormat,
  out: Writable,
): Promise<void> {
  if (!ctx.access.readsRows) throw forbidden('You may not read rows');
  const writer = format === 'csv' ? csvWriter(out) : xlsxWriter(kind, out);
  await writer.header(kind.columns.map((c) => c.name));
  for await (const rows of batches(ctx, kind, filter)) {
    for (const row of rows) await writer.row(kind.columns.map((c) => row[c.name] ?? null));
  }
  await writer.end();
}

type Cell = string | number | null;
type SheetWriter = {
  header: (names: string[]) => Promise<void>;
  row: (cells: Cell[]) => Promise<void>;
  end: () => Promise<void>;
};

function csvWriter(out: Writable): SheetWriter {
  let buffered = '';
  const flush = async () => {
    if (buffered === '') return;
    const chunk = buffered;
    buffered = '';
    if (!out.write(chunk)) await once(out, 'drain');
  };
  return {
    header: async (names) => {
      // A byte-order mark, so that Excel reads the UTF-8 (Tajik, Kyrgyz, Uzbek) as UTF-8.
      buffered = `\uFEFF${csvRecord(names)}`;
      await flush();
    },
    row: async (cells) => {
      buffered += csvRecord(cells);
      if (buffered.length > 64 * 1024) await flush();
    },
    end: flush,
  };
}

function xlsxWriter(kind: SheetKind, out: Writable): SheetWriter {
  // No shared strings or styles: both would be kept in memory until the end.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  const sheet = workbook.addWorksheet(kind.name);
  let pending = 0;
  return {
    header: (names) => {
      sheet.addRow(names).commit();
      return Promise.resolve();
    },
    row: async (cells) => {
      sheet.addRow(cells.map((c) => (typeof c === 'string' ? neutralised(c) : c))).commit();
      // Let the zip stream drain now and then, so rows never pile up in memory.
      if (++pending % 1000 === 0 && out.writableNeedDrain) await once(out, 'drain');
    },
    end: async () => {
      sheet.commit();
      await workbook.commit();
    },
  };
}

/** The rows in keyset batches of (tenant, id), each one statement of the transaction. */
async function* batches(
  ctx: RequestContext,
  kind: SheetKind,
  filter: ProjectRowFilter,
): AsyncGenerator<Record<string, Cell>[]> {
  const a = kind.rows.alias;
  const select = kind.columns.map((c) => `${c.sql} AS "${c.name}"`).join(', ');
  let after: { tenantId: string; id: string } | null = null;
  for (;;) {
    const params: unknown[] = [];
    const where = listConditions(ctx, kind.rows, filter, params);
    if (after) {
      params.push(after.tenantId, after.id);
      where.push(
        `(${a}.tenant_id, ${a}.id) > ($${params.length - 1}::uuid, $${params.length}::uuid)`,
      );
    }
    params.push(BATCH);
    const rows: (Record<string, Cell> & { _tenant: string; id: string })[] = await ctx.tx.query(
      `SELECT ${a}.tenant_id AS "_tenant", ${select} FROM ${kind.rows.table} ${a}
        WHERE ${where.join(' AND ')} ORDER BY ${a}.tenant_id, ${a}.id LIMIT $${params.length}`,
      params,
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < BATCH) return;
    const last = rows[rows.length - 1]!;
    after = { tenantId: last._tenant, id: last.id };
  }
}
