import express, { type NextFunction, type Request, type Response, Router } from 'express';
import multer from 'multer';
import { badUserInput, ErrorCode, forbidden } from '../../common/errors';
import {
  authenticatedRoute,
  type ContextDeps,
  withRequestContext,
} from '../../http/authenticated-route';
import { sendError } from '../../http/http-errors';
import { SHEETS, type SheetKind } from './spreadsheet.columns';
import { exportSheet, MEDIA_TYPES, type SheetFormat, sheetFilter } from './spreadsheet.export';
import type { SheetMapping } from './spreadsheet.import';
import { importSheet } from './spreadsheet.jobs';

/** An export or import of any size runs this long at most (GraphQL requests: REQUEST_TIMEOUT_MS). */
const SHEET_TIMEOUT_MS = 10 * 60_000;
/** The largest file an import takes: some 100,000 rows. */
export const UPLOAD_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * Content types a browser may send from another site without a preflight (a plain HTML form
 * among them). Such an upload must carry `Apollo-Require-Preflight`, the header Apollo's CSRF
 * prevention asks of /graphql: a header no cross-site form can set.
 */
const SIMPLE_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/**
 * GET /export/{activities|measurements}.{csv|xlsx}?<the list's filters>: every row you may
 * read, streamed. POST /import/{activities|measurements}.{csv|xlsx}?tenantCode=&idempotencyKey=
 * [&dryRun=true][&mapping=kobo], the file as the request body or as the `file` part of a
 * multipart/form-data upload: the job's per-row results as JSON.
 */
export function spreadsheetRouter(deps: ContextDeps): Router {
  const router = Router();
  const context = { ...deps, timeoutMs: SHEET_TIMEOUT_MS };
  // Only the upload commits in steps, one batch at a time (spreadsheet.jobs.ts).
  const uploadContext = { ...context, commitsInSteps: true };
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
    ...withRequestContext(uploadContext, [requirePreflightHeader, uploadBody()]),
    authenticatedRoute(async (ctx, req) => {
      const sheet = sheetOf(req.params.file);
      if (!sheet) {
        throw badUserInput('file', 'Post to /import/{activities|measurements}.{csv|xlsx}');
      }
      const body: unknown = req.file ? req.file.buffer : req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) {
        throw badUserInput(
          'file',
          'Send the file as the request body, or as the part named "file" of a multipart/form-data upload',
        );
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

/**
 * The upload's body: a multipart/form-data upload's one `file` part (multer, in memory, at
 * most UPLOAD_LIMIT_BYTES; the options may also come as its fields), any other body as it is.
 * What cannot be read is answered here, with a code: 413 for a file over the limit.
 */
function uploadBody() {
  const raw = express.raw({ type: () => true, limit: UPLOAD_LIMIT_BYTES });
  const form = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: UPLOAD_LIMIT_BYTES, files: 1, fields: 8, fieldSize: 1024, parts: 9 },
  }).single('file');
  return (req: Request, res: Response, next: NextFunction) => {
    const multipart = req.is('multipart/form-data') === 'multipart/form-data';
    (multipart ? form : raw)(req, res, (error?: unknown) => {
      if (!error) return next();
      const tooLarge =
        (error as { code?: unknown }).code === 'LIMIT_FILE_SIZE' ||
        (error as { status?: unknown }).status === 413;
      if (tooLarge) {
        sendError(res, ErrorCode.BAD_REQUEST, 'The file is larger than 32 MiB', 413);
      } else if (error instanceof multer.MulterError) {
        sendError(
          res,
          ErrorCode.BAD_REQUEST,
          `The upload could not be read (${error.message}): send one part named "file" and at most the fields tenantCode, idempotencyKey, dryRun and mapping`,
          400,
        );
      } else {
        sendError(res, ErrorCode.BAD_REQUEST, 'The upload could not be read', 400);
      }
    });
  };
}

/** CSRF: an upload in a content type a cross-site form could send needs the header. */
function requirePreflightHeader(req: Request, res: Response, next: NextFunction): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const simple = type === '' || SIMPLE_TYPES.includes(type);
  const header = req.headers['apollo-require-preflight'];
  if (simple && (typeof header !== 'string' || header.trim() === '')) {
    sendError(
      res,
      ErrorCode.BAD_REQUEST,
      `An upload sent as ${type || 'a body without a content type'} must carry the header Apollo-Require-Preflight: true (a protection against cross-site request forgery); or send the file as application/octet-stream, text/csv or the XLSX media type`,
      400,
    );
    return;
  }
  next();
}

function queryText(req: Request, name: string, required = false): string | null {
  // A multipart upload may carry the options as its fields; the query string still counts.
  const fields = req.file ? (req.body as Record<string, unknown> | undefined) : undefined;
  const value = req.query[name] ?? fields?.[name];
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
