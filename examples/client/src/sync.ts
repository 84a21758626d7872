/**
 * How a partner's integration starts: check who the token is, then page through a tenant's
 * activities with a cursor. Run it against a running API:
 *
 *   DG_TOKEN=$(npm run --silent token -- --user tj-admin@demo.dignity-graph.org) \
 *     DG_URL=http://localhost:4000 npm run client:sync
 *
 * TODO(issue 4): the idempotent import of two activities (`importActivities` with an
 * idempotencyKey) is written in ../pending/import-activities.graphql; it joins this script
 * once that mutation is on the API's schema (see ../README.md).
 */
import { MeDocument, TenantActivitiesDocument } from '../generated/graphql';
import type { TenantActivitiesQuery } from '../generated/graphql';
import { createClient } from './client';

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

export type SyncReport = Readonly<{
  subject: string;
  tenants: string[];
  pages: number;
  totalCount: number;
  activities: Activity[];
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

  return { subject: me.subject, tenants, pages, totalCount, activities };
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
