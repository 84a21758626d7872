import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Pool } from 'pg';
import { Access } from '../src/auth/access';
import { Authenticator, principalFromRows, principalPreamble } from '../src/auth/authenticate';
import { type Page } from '../src/common/connection';
import { loadConfig } from '../src/config';
import { RequestContext } from '../src/context';
// For its type parser: DATE columns stay 'YYYY-MM-DD', as in the server.
import '../src/db/database';
import { RequestTransaction } from '../src/db/request-transaction';
import { createLogger } from '../src/logger';
import type { ActivitiesArgs } from '../src/modules/activity/activity.inputs';
import { ActivityOrderField } from '../src/modules/activity/activity.inputs';
import { activitiesByIds, activitiesOf } from '../src/modules/activity/activity.service';
import {
  communitiesByIds,
  communitiesOfProjects,
} from '../src/modules/community/community.service';
import { OutcomeDimension, type OutcomeSummariesArgs } from '../src/modules/outcome/outcome.inputs';
import { outcomeSummaries } from '../src/modules/outcome/outcome.service';
import { listProjects, projectsByIds } from '../src/modules/project/project.service';
import { OrderDirection } from '../src/common/connection';

/**
 * The bound the benchmark compares with: the benchmark's three queries as hand-written code
 * behind a bare node:http server, with no GraphQL, Express or Apollo, but the same
 * authentication, request transaction (row-level security included) and SQL as the API, and
 * JSON.stringify for the answer. `npm run bench` starts it beside the server and loads it the
 * same way; the gap between the two is what the GraphQL layers cost.
 */

const config = loadConfig();
const pool = new Pool({ connectionString: config.databaseUrl, max: config.db.poolMax });
const authenticator = new Authenticator(config.jwt);
const log = createLogger('warn');

const nodes = <T>(page: Page<T>): T[] => page.edges.map((edge) => edge.node);

const HANDLERS: Record<string, (ctx: RequestContext, body: Record<string, string>) => unknown> = {
  /** Q1: TJ's first 20 projects → first 10 communities each → latest 5 activities each. */
  async '/Q1'(ctx) {
    const projects = nodes(await listProjects(ctx, { first: 20, filter: { tenantCodes: ['TJ'] } }));
    const communityPages = await communitiesOfProjects(ctx, projects, { first: 10 });
    const communities = communityPages.flatMap(nodes);
    const activityArgs: ActivitiesArgs = {
      first: 5,
      orderBy: { field: ActivityOrderField.START_DATE, direction: OrderDirection.DESC },
    };
    const fields = new Set(['title', 'type', 'startDate', 'participants']);
    const activityPages = await activitiesOf(ctx, 'community', communities, activityArgs, fields);
    const activitiesOfCommunity = new Map(communities.map((c, i) => [c, activityPages[i]!]));
    return {
      projects: {
        nodes: projects.map((project, i) => ({
          id: project.id,
          name: project.name,
          communities: {
            nodes: nodes(communityPages[i]!).map((community) => ({
              id: community.id,
              name: community.name,
              activities: {
                nodes: nodes(activitiesOfCommunity.get(community)!).map((a) => ({
                  title: a.title,
                  type: a.type,
                  startDate: a.startDate,
                  participants: a.participants,
                })),
              },
            })),
          },
        })),
      },
    };
  },

  /** Q2: baseline vs endline of DV_PREVALENCE by tenant, as the analyst. */
  async '/Q2'(ctx) {
    const args = {
      filter: { tenants: ['TJ', 'KG', 'UZ'], indicatorCodes: ['DV_PREVALENCE'] },
      groupBy: [OutcomeDimension.TENANT],
      preview: false,
    } as OutcomeSummariesArgs;
    const summaries = await outcomeSummaries(ctx, args);
    return {
      outcomeSummaries: summaries.map((s) => ({
        baseline: s.baseline,
        latest: s.latest,
        relativeChange: s.relativeChange,
        sampleSize: s.sampleSize,
        communities: s.communities,
        suppressed: s.suppressed,
      })),
    };
  },

  /** Q3: one activity with its community and project. */
  async '/Q3'(ctx, body) {
    const [activity] = await activitiesByIds(ctx, [body.id!]);
    if (!activity) return { activity: null };
    const [[community], [project]] = await Promise.all([
      activity.communityId ? communitiesByIds(ctx, [activity.communityId]) : Promise.resolve([]),
      projectsByIds(ctx, [activity.projectId]),
    ]);
    return {
      activity: {
        id: activity.id,
        title: activity.title,
        type: activity.type,
        startDate: activity.startDate,
        participants: { total: activity.participants.total },
        community: community ? { name: community.name, region: community.region } : null,
        project: project ? { name: project.name, code: project.code } : null,
      },
    };
  },
};

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const handler = HANDLERS[req.url ?? ''];
  const credential = await authenticator.credentialOf(req.headers);
  if (!handler || credential.kind === 'anonymous') {
    res.writeHead(404).end();
    return;
  }
  const ids = { requestId: randomUUID(), clientRequestId: null };
  const [tx, results] = await RequestTransaction.open(pool, principalPreamble(credential, ids));
  try {
    const found = principalFromRows(credential, results[0]?.rows ?? []);
    if (!found) throw new Error('unknown principal');
    const ctx = new RequestContext(
      ids.requestId,
      new Access(found.principal),
      tx,
      log,
      {
        ...ids,
        operationName: null,
        principal: null,
        codes: [],
        statements: 0,
        cost: null,
      },
      { kind: 'user', id: found.principal.id },
    );
    const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as object) : {};
    const data = await handler(ctx, body as Record<string, string>);
    await tx.commit();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
  } finally {
    await tx.rollback();
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    console.error(error);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
server.listen(config.port, config.host);
process.on('SIGTERM', () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
