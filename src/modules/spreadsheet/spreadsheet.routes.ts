import express, { type Request, Router } from 'express';
import { badUserInput, forbidden } from '../../common/errors';
import {
  authenticatedRoute,
  type ContextDeps,
  withRequestContext,
} from '../../http/authenticated-route';
import { SHEETS, type SheetKind } from './spreadsheet.columns';
import { exportSheet, MEDIA_TYPES, type SheetFormat, sheetFilter } from './spreadsheet.export';
import { importSheet, type SheetMapping } from './spreadsheet.import';

/** An export or import of any size runs this long at most (GraphQL requests: REQUEST_TIMEOUT_MS). */
const SHEET_TIMEOUT_MS = 10 * 60_000;
/** The largest file an import takes: some 100,000 rows. */
const UPLOAD_LIMIT = '32mb';

/**
 * GET /export/{activities|measurements}.{csv|xlsx}?<the list's filters>: every row you may
 * read, streamed. POST /import/{activities|measurements}.{csv|xlsx}?tenantCode=&idempotencyKey=
 * [&dryRun=true][&mapping=kobo], the file as the request body: the per-row results as JSON.
 */
export function spreadsheetRouter(deps: ContextDeps): Router {
  const router = Router();
  const context = { ...deps, timeoutMs: SHEET_TIMEOUT_MS };
  router.get(
    '/export/:file',
    (req, _res, next) => next(sheetOf(req.params.file) ? undefined : 'route'),
    ...withRequestContext(context),
    authenticatedRoute(async (ctx, req) => {
      const { kind, format } = sheetOf(req.params.file)!;
      // Decided before the first byte: once streaming, an error can only cut the connection.
      if (!ctx.access.readsRows) throw forbidden('You may not read rows');
      const filter = await sheetFilter(kind, req.query);
      return {
        type: MEDIA_TYPES[format],
        filename: `${kind.name}.${format}`,
        stream: (out) => exportSheet(ctx, kind, filter, format, out),
      };
    }),
  );
  router.post(
    '/import/:file',
    ...withRequestContext(context, [express.raw({ type: () => true, limit: UPLOAD_LIMIT })]),
    authenticatedRoute(async (ctx, req) => {
      const sheet = sheetOf(req.params.file);
      if (!sheet) {
        throw badUserInput('file', 'Post to /import/{activities|measurements}.{csv|xlsx}');
      }
      const body: unknown = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw badUserInput('file', 'Send the file as the request body');
      }
      const result = await importSheet(ctx, sheet.kind, sheet.format, body, {
        tenantCode: queryText(req, 'tenantCode', true)!,
        idempotencyKey: queryText(req, 'idempotencyKey', true)!,
        dryRun: queryText(req, 'dryRun') === 'true',
        mapping: mappingOf(queryText(req, 'mapping')),
      });
      return { type: 'application/json; charset=utf-8', body: JSON.stringify(result) };
    }),
  );
  return router;
}

function sheetOf(file: unknown): { kind: SheetKind; format: SheetFormat } | null {
  const match = /^(activities|measurements)\.(csv|xlsx)$/.exec(String(file));
  return match ? { kind: SHEETS[match[1]!]!, format: match[2] as SheetFormat } : null;
}

function queryText(req: Request, name: string, required = false): string | null {
  const value = req.query[name];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string' || value.trim() === '') {
    throw badUserInput(name, `${name} is required, once`);
  }
  return value;
}

function mappingOf(value: string | null): SheetMapping {
  if (value === null || value === 'standard') return 'standard';
  if (value === 'kobo') return 'kobo';
  throw badUserInput('mapping', 'mapping is standard or kobo');
}
