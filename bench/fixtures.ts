import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ClientBase } from 'pg';
import { SYNTHETIC_UNIT } from '../seeds/synthetic';
import { SEED_IDS } from '../seeds/programme';
import { generateApiKey } from '../src/auth/api-key-secret';

/** What `npm run bench` and `npm run bench:cpu` share: the three queries and their principals' set-up. */

/** Q1: one tenant's first 20 projects → first 10 communities each → latest 5 activities each. */
export const PROJECT_PAGE = `query ProjectPage {
          projects(first: 20, filter: { tenantCodes: ["TJ"] }) {
            nodes { id name communities(first: 10) { nodes { id name
              activities(first: 5, orderBy: { field: START_DATE, direction: DESC }) {
                nodes { title type startDate participants { female male other total } } } } } }
          }
        }`;

/** Q2: outcomeSummaries of DV_PREVALENCE grouped by TENANT. */
export const SUMMARY = `query Summary {
          outcomeSummaries(filter: { tenants: ["TJ", "KG", "UZ"], indicatorCodes: ["DV_PREVALENCE"] }, groupBy: [TENANT]) {
            baseline latest relativeChange sampleSize communities suppressed
          }
        }`;

/** Q3: an activity by id (variable `id`) with its community and project. */
export const ONE_ACTIVITY = `query OneActivity($id: UUID!) {
          activity(id: $id) { id title type startDate participants { total }
            community { name region } project { name code } }
        }`;

/** The analyst's organisation gets an agreement in force in every tenant, for Q2. */
export async function grantAnalystEverywhere(client: ClientBase): Promise<void> {
  // Tenant by tenant: on Citus, an INSERT … SELECT over the tenants (a reference table) with a
  // correlated sub-query on sharing_agreements (distributed) cannot be planned.
  const organisation = SEED_IDS.organisations.unWomen;
  const { rows: tenants } = await client.query<{ id: string }>('SELECT id FROM tenants');
  const { rows: indicators } = await client.query<{ ids: string[] }>(
    'SELECT array_agg(id ORDER BY id) AS ids FROM indicators WHERE tenant_id IS NULL',
  );
  for (const { id } of tenants) {
    const existing = await client.query(
      `SELECT 1 FROM sharing_agreements
        WHERE tenant_id = $1 AND recipient_organisation_id = $2 AND revoked_at IS NULL`,
      [id, organisation],
    );
    if (existing.rowCount) continue;
    await client.query(
      `INSERT INTO sharing_agreements (tenant_id, recipient_organisation_id, indicator_ids,
         allowed_group_by, finest_level, min_cell_size, valid_from, approved_by)
       VALUES ($1, $2, $3::uuid[], ARRAY['TENANT', 'REGION', 'INDICATOR', 'YEAR'], 'REGION', 10,
         '2020-01-01', 'bench')`,
      [id, organisation, indicators[0]!.ids],
    );
  }
}

export async function benchApiKey(client: ClientBase): Promise<string> {
  const key = generateApiKey();
  await client.query(
    `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, tenant_ids, scopes, created_by)
     VALUES ($1, 'bench key', $2, $3, ARRAY[$4, $5, $6]::uuid[], ARRAY['read'], 'bench')`,
    [
      SEED_IDS.organisations.internationalAlert,
      key.prefix,
      key.secretHash,
      SEED_IDS.tenants.TJ,
      SEED_IDS.tenants.KG,
      SEED_IDS.tenants.UZ,
    ],
  );
  return key.token;
}

export async function oneActivityId(pool: { query: ClientBase['query'] }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM activities WHERE community_id IS NOT NULL AND deleted_at IS NULL ORDER BY id LIMIT 1 OFFSET 1000`,
  );
  return rows[0]!.id;
}

/** `--small` data: a tenth of the activities and 2 % of the measurements of a unit. */
export const SMALL_UNIT = { ...SYNTHETIC_UNIT, activities: 30_000, measurements: 20_000 };

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * CPU time (user + system) of a process, in ms; with `children`, also of every live child
 * and of the children it has reaped (a postmaster's backends, ended ones included).
 */
export function cpuMs(pid: number | null, children: boolean): number {
  if (pid === null) return 0;
  const fields = (p: number | string): string[] | null => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return null;
    }
  };
  // After the command's closing parenthesis: state is field 3; utime 14, stime 15, cutime 16,
  // cstime 17 (1-based, in proc(5)), so indexes 11–14 here; the parent pid is index 1.
  const own = fields(pid);
  if (!own) return 0;
  let ticks = Number(own[11]) + Number(own[12]);
  if (children) {
    ticks += Number(own[13]) + Number(own[14]);
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const f = fields(entry);
      if (f && Number(f[1]) === pid) ticks += Number(f[11]) + Number(f[12]);
    }
  }
  return ticks * TICK_MS;
}

/** The child's peak resident set (VmHWM), in MB. */
export function peakRss(child: ChildProcess): number | null {
  try {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : null;
  } catch {
    return null;
  }
}
