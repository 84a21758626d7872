/**
 * How a partner's integration starts: check who the token is, page through a tenant's
 * activities with a cursor, then import two activities of its own, idempotently. Run it
 * against a running API:
 *
 *   DG_TOKEN=$(npm run --silent token -- --user tj-admin@demo.dignity-graph.org) \
 *     DG_URL=http://localhost:4000 npm run client:sync
 *
 * Running it again writes nothing: the items are keyed by their externalId, and the request
 * by an idempotency key derived from its content, so the API answers with the stored result.
 */
import { createHash } from 'node:crypto';
import {
  ImportActivitiesDocument,
  MeDocument,
  TenantActivitiesDocument,
} from '../generated/graphql';
import type {
  ActivityImportItem,
  ImportActivitiesMutation,
  TenantActivitiesQuery,
} from '../generated/graphql';
import { createClient, type Request } from './client';

type Activity = NonNullable<TenantActivitiesQuery['activities']>['nodes'][number];

export type SyncOptions = Readonly<{
  /** The API's base URL, e.g. http://localhost:4000. */
  url: string;
  /** A bearer token (development: `npm run token`). */
  token: string;
  /** The tenant to read, by country code. */
  tenantCode: string;
  /** Activities per request (1–100). */
  pageSize?: number;
  log?: (line: string) => void;
  fetch?: typeof fetch;
}>;

type ImportResult = ImportActivitiesMutation['importActivities'];

export type SyncReport = Readonly<{
  subject: string;
  tenants: string[];
  pages: number;
  totalCount: number;
  activities: Activity[];
  /** The dry run and the import of the two example activities; null when none could be made. */
  imported: Readonly<{ dryRun: ImportResult; result: ImportResult; key: string }> | null;
}>;

export async function sync(options: SyncOptions): Promise<SyncReport> {
  const log = options.log ?? (() => undefined);
  const request = createClient(options);

  const { me } = await request(MeDocument);
  const tenants = [...new Set(me.memberships.map((m) => m.tenant.code))];
  log(`Signed in as ${me.subject} (${me.kind}); tenants: ${tenants.join(', ') || 'none'}`);

  const activities: Activity[] = [];
  let after: string | null = null;
  let pages = 0;
  let totalCount = 0;
  do {
    const { activities: page }: TenantActivitiesQuery = await request(TenantActivitiesDocument, {
      tenantCode: options.tenantCode,
      first: options.pageSize ?? 50,
      after,
    });
    if (!page) throw new Error(`This token may read no activities of ${options.tenantCode}`);
    pages += 1;
    totalCount = page.totalCount;
    activities.push(...page.nodes);
    log(`Page ${pages}: ${page.nodes.length} activities (${activities.length}/${totalCount})`);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);

  const imported = await importExamples(request, options.tenantCode, activities, log);
  return { subject: me.subject, tenants, pages, totalCount, activities, imported };
}

/**
 * Two activities of the partner's own, keyed by externalId, in the project and community of
 * an activity it can already see (so they fall within that project's span). Checked first with
 * a dry run, then imported under an idempotency key derived from the items: a retry, or the
 * next run of the script, gets the stored result back and writes nothing.
 */
async function importExamples(
  request: Request,
  tenantCode: string,
  activities: Activity[],
  log: (line: string) => void,
): Promise<SyncReport['imported']> {
  const model = activities[0];
  if (!model) {
    log('No activity to take a project from: nothing imported');
    return null;
  }
  const items: ActivityImportItem[] = [1, 2].map((n) => ({
    externalId: `example-sync-${n}`,
    projectId: model.project.id,
    communityId: model.community?.id ?? null,
    type: n === 1 ? 'COMMUNITY_DIALOGUE' : 'SAVINGS_GROUP',
    title: `Imported by the example sync (${n} of 2)`,
    // Written in English: without it the title would be taken as the tenant's language.
    sourceLanguage: 'en',
    // Today: the model's own day may lie in a period already approved, hence read-only.
    startDate: new Date().toISOString().slice(0, 10),
    participants: { female: 10 + n, male: 5, other: 0 },
  }));
  const key = `example-sync-${createHash('sha256').update(JSON.stringify(items)).digest('hex').slice(0, 32)}`;
  const send = (idempotencyKey: string, dryRun: boolean) =>
    request(ImportActivitiesDocument, {
      input: { tenantCode, idempotencyKey, dryRun, atomic: true, items },
    }).then((data) => data.importActivities);

  const dryRun = await send(`${key}-dry-run`, true);
  log(`Dry run: ${summary(dryRun)}`);
  if (dryRun.invalid > 0) {
    const first = dryRun.items.find((item) => item.status === 'INVALID');
    throw new Error(`The import would be refused: ${first?.field}: ${first?.message}`);
  }
  const result = await send(key, false);
  log(
    `Import: ${summary(result)}${result.replayed ? ' (replayed: written by an earlier run)' : ''}`,
  );
  return { dryRun, result, key };
}

function summary(result: ImportResult): string {
  return `${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ${result.invalid} invalid`;
}

/** `npm run client:sync`: DG_TOKEN (required), DG_URL, DG_TENANT and DG_PAGE_SIZE. */
async function main(): Promise<void> {
  const token = process.env.DG_TOKEN;
  if (!token) throw new Error('Set DG_TOKEN to a token: npm run --silent token -- --user <email>');
  const report = await sync({
    url: process.env.DG_URL ?? 'http://localhost:4000',
    token,
    tenantCode: process.env.DG_TENANT ?? 'TJ',
    pageSize: process.env.DG_PAGE_SIZE ? Number(process.env.DG_PAGE_SIZE) : undefined,
    log: (line) => console.log(line),
  });
  for (const activity of report.activities) {
    console.log(
      `${activity.startDate}  ${activity.type.padEnd(24)}  ${activity.project.code}  ${activity.title}`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
