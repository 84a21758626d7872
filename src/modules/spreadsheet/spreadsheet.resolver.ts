import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLUUID } from 'graphql-scalars';
import { badUserInput, notFound } from '../../common/errors';
import { pageSize, toConnection } from '../../common/connection';
import type { RequestContext } from '../../context';
import { SHEETS } from './spreadsheet.columns';
import { CONTENT_LIMIT, ImportJobRowsArgs, ImportSpreadsheetInput } from './spreadsheet.inputs';
import {
  countJobRows,
  findJob,
  findOwnJob,
  type ImportJobRecord,
  importSheet,
  jobRows,
} from './spreadsheet.jobs';
import { ImportJob, ImportJobRowConnection, SpreadsheetFormat } from './spreadsheet.type';

@Resolver(() => ImportJob)
export class SpreadsheetResolver {
  @Mutation(() => ImportJob, {
    description:
      'Imports a spreadsheet sent as a variable (CSV text or base64 XLSX, up to 900,000 characters) as one job in batches of 1,000 rows, through importActivities / importMeasurements; commits whole with the mutation. The same key and file again replay the job.',
  })
  async importSpreadsheet(
    @Arg('input', { description: 'The file and how to import it.' }) input: ImportSpreadsheetInput,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobRecord> {
    const file = contentOf(input.format, input.content);
    const result = await importSheet(ctx, SHEETS[input.rows]!, input.format, file, {
      tenantCode: input.tenantCode,
      idempotencyKey: input.idempotencyKey,
      dryRun: input.dryRun,
      mapping: input.mapping,
    });
    return (await findJob(ctx, result.job.id))!;
  }

  @Query(() => ImportJob, {
    description:
      'An import job, with its progress and per-row results: while it runs, from any request. Yours, or any of a tenant you administer; NOT_FOUND otherwise.',
  })
  async importJob(
    @Arg('id', () => GraphQLUUID, { description: 'The job’s id.' }) id: string,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobRecord> {
    const job = await findJob(ctx, id);
    if (!job) throw notFound('Import job');
    return job;
  }

  @Query(() => ImportJob, {
    nullable: true,
    description:
      'Your own import job of an idempotency key, e.g. to follow an upload still running; null if you have none under it.',
  })
  importJobByKey(
    @Arg('tenantCode', { description: 'Country code of the tenant the rows go to.' })
    tenantCode: string,
    @Arg('idempotencyKey', { description: 'The key the upload was sent with.' })
    idempotencyKey: string,
    @Arg('dryRun', {
      defaultValue: false,
      description: 'Whether it was a dry run (then the latest dry run under the key).',
    })
    dryRun: boolean,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobRecord | null> {
    return findOwnJob(ctx, tenantCode, idempotencyKey, dryRun);
  }

  @FieldResolver(() => ImportJobRowConnection, {
    description: 'The per-row results so far, in file order (keyset-paged by row).',
  })
  async results(
    @Root() job: ImportJobRecord,
    @Args() args: ImportJobRowsArgs,
    @Ctx() ctx: RequestContext,
  ): Promise<ImportJobRowConnection> {
    const size = pageSize(args.first);
    const after = rowOfCursor(args.after);
    const status = args.status ?? null;
    const rows = await jobRows(ctx, job, { after, limit: size + 1, status });
    const page = rows.slice(0, size);
    const edges = page.map((node) => ({ cursor: cursorOfRow(node.row), node }));
    return toConnection(ImportJobRowConnection, {
      edges,
      pageInfo: {
        hasNextPage: rows.length > size,
        hasPreviousPage: after > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
      count: () => countJobRows(ctx, job, status),
    });
  }
}

/** The file of a GraphQL variable: CSV as its text, XLSX from base64. */
function contentOf(format: SpreadsheetFormat, content: string): Buffer {
  if (content.length === 0) throw badUserInput('content', 'content is empty: send the file');
  if (content.length > CONTENT_LIMIT) {
    throw badUserInput('content', `content is larger than ${CONTENT_LIMIT} characters`);
  }
  if (format === SpreadsheetFormat.CSV) return Buffer.from(content, 'utf8');
  const compact = content.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) {
    throw badUserInput('content', 'content of an XLSX file must be its bytes in base64');
  }
  return Buffer.from(compact, 'base64');
}

const cursorOfRow = (row: number) => Buffer.from(`row:${row}`, 'utf8').toString('base64url');

function rowOfCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^row:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw badUserInput('after', 'after is not a valid cursor');
  return Number(match[1]);
}
