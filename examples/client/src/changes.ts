/**
 * Keeping a local copy in step with the changes feed instead of re-reading everything: the
 * first run (no cursor) gets the current state as upserts; every later run passes the cursor
 * it saved and gets only what changed — edits, deletions, and rows that came into or fell out
 * of the token's view. Run it against a running API:
 *
 *   DG_TOKEN=$(npm run --silent token -- --user tj-admin@demo.dignity-graph.org) \
 *     DG_URL=http://localhost:4000 npm run client:changes
 *
 * The copy and the cursor are kept in DG_STATE_FILE (default .dg-changes.json).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ChangesDocument } from '../generated/graphql';
import type { ChangesQuery } from '../generated/graphql';
import { createClient } from './client';

type Change = NonNullable<ChangesQuery['changes']>['nodes'][number];

/** The local copy: rows by `Type:id`, and the cursor that stands after them. */
export type Replica = { cursor: string | null; rows: Record<string, unknown> };

export type ChangesSyncReport = Readonly<{ upserts: number; deletes: number; calls: number }>;

/** Applies every change ready now to `replica` (in place) and moves its cursor on. */
export async function syncChanges(
  options: Readonly<{ url: string; token: string; tenantCode: string; fetch?: typeof fetch }>,
  replica: Replica,
): Promise<ChangesSyncReport> {
  const request = createClient(options);
  let upserts = 0;
  let deletes = 0;
  let calls = 0;
  for (;;) {
    const { changes } = await request(ChangesDocument, {
      tenantCode: options.tenantCode,
      since: replica.cursor,
      first: 200,
    });
    if (!changes) throw new Error(`This token may read no rows of ${options.tenantCode}`);
    calls += 1;
    for (const change of changes.nodes) {
      const key = `${change.entityType}:${change.entityId}`;
      if (change.operation === 'DELETE') {
        delete replica.rows[key];
        deletes += 1;
      } else {
        // The row as the token reads it now; null when it was deleted since (a later
        // tombstone in the feed removes it).
        const row = rowOf(change);
        if (row) replica.rows[key] = row;
        upserts += 1;
      }
    }
    // Save the cursor only after the page is applied: a crash replays the page, harmlessly.
    replica.cursor = changes.cursor;
    if (!changes.hasMore) return { upserts, deletes, calls };
  }
}

function rowOf(change: Change): unknown {
  return (
    change.activity ??
    change.measurement ??
    change.project ??
    change.community ??
    change.indicator ??
    change.reportingPeriod
  );
}

/** `npm run client:changes`: DG_TOKEN (required), DG_URL, DG_TENANT, DG_STATE_FILE. */
async function main(): Promise<void> {
  const token = process.env.DG_TOKEN;
  if (!token) throw new Error('Set DG_TOKEN to a token: npm run --silent token -- --user <email>');
  const file = process.env.DG_STATE_FILE ?? '.dg-changes.json';
  const replica: Replica = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as Replica)
    : { cursor: null, rows: {} };
  const report = await syncChanges(
    {
      url: process.env.DG_URL ?? 'http://localhost:4000',
      token,
      tenantCode: process.env.DG_TENANT ?? 'TJ',
    },
    replica,
  );
  writeFileSync(file, JSON.stringify(replica));
  console.log(
    `${report.upserts} upserts, ${report.deletes} deletions in ${report.calls} calls; ${Object.keys(replica.rows).length} rows in ${file}`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
