import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A one-tenant summary reads one shard group on Citus (docs/scaling.md, "Routing").
 *
 * outcome_cells joined the cells outcome_raw_cells computes to `projects` (for their codes and
 * names) on the cells' own columns only: Citus cannot prune a join on a function's result, so
 * it read the code and name of every tenant's projects from every shard group, for each
 * summary, however few tenants it was about. Now:
 *
 * - the join also names the request's tenants (`p.tenant_id = ANY (v_tenants)`, constants once
 *   the function plans its statements with their values), which Citus prunes by: a one-tenant
 *   summary reads that tenant's shard group only, an analyst's summary across countries the
 *   shard groups of those countries. It changes no answer: a cell's project is one of the
 *   request's tenants';
 * - the cells are computed first, into an array of `outcome_raw_cell`, and the join reads that
 *   array: a statement joining a function call to one shard group's tables is sent to that
 *   shard whole, where outcome_raw_cells could not read the distributed tables it reads
 *   ("cannot execute a distributed query from a query on a shard").
 *
 * The function is patched as the database holds it (later migrations may patch it
 * elsewhere), not as a migration once wrote it.
 */
export class SummariesRouted1796291360230 implements MigrationInterface {
  name = 'SummariesRouted1796291360230';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`CREATE TYPE outcome_raw_cell AS (${RAW_CELL_COLUMNS})`);
    let sql = replaceOnce(await currentCells(db), DECLARED, DECLARED + VARIABLES);
    for (const { call, before } of CALLS) {
      sql = replaceOnce(sql, `FROM ${call} r`, 'FROM unnest(v_cells) r');
      sql = replaceOnce(sql, before, computed(call, before));
    }
    for (const cells of ['r', 'j']) {
      sql = replaceOnce(sql, projectsJoin(cells), `${projectsJoin(cells)} AND ${PRUNED}`);
    }
    await db.query(sql);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    let sql = replaceOnce(await currentCells(db), VARIABLES, '');
    for (const { call, before } of CALLS) {
      // The computation, and the first read of the array after it, become the call again.
      const at = sql.indexOf(computed(call, before));
      if (at < 0)
        throw new Error('outcome_cells: its cells are not computed as this migration does');
      sql =
        sql.slice(0, at) +
        sql
          .slice(at)
          .replace(computed(call, before), before)
          .replace('FROM unnest(v_cells) r', `FROM ${call} r`);
    }
    for (const cells of ['r', 'j']) {
      sql = replaceOnce(sql, `${projectsJoin(cells)} AND ${PRUNED}`, projectsJoin(cells));
    }
    await db.query(sql);
    await db.query(`DROP TYPE outcome_raw_cell`);
  }
}

const CELLS =
  'outcome_cells(uuid[], uuid[], uuid[], uuid[], uuid[], uuid[], text, date, date, text[], boolean, uuid, text)';

/** The columns of outcome_raw_cells. */
const RAW_CELL_COLUMNS = `tenant_id uuid, region text, project_id uuid, project_tenant_id uuid,
  community_id uuid, settlement text, sex text, year integer, indicator_id uuid,
  baseline_sum numeric, baseline_n bigint, latest_sum numeric, latest_n bigint,
  baseline_communities integer, latest_communities integer, baseline_key bigint,
  latest_key bigint`;

/** The first declaration of outcome_cells, after which the new variables are declared. */
const DECLARED = `    v_readable uuid[] := coalesce(app_tenant_ids(), '{}');\n`;

const VARIABLES = `    -- The tenants the request is about, which Citus prunes shard groups by.
    v_tenants uuid[] := ARRAY(SELECT DISTINCT unnest(p_pair_tenant));
    v_cells outcome_raw_cell[];\n`;

/**
 * The two calls of outcome_raw_cells, exact and governed, each with the start of the statement
 * it stood in.
 */
const CALLS = [
  {
    call: `outcome_raw_cells(p_pair_tenant, p_pair_indicator, nullif(v_scoped_tenants, '{}'),
               v_scoped_projects, p_project_ids, p_community_ids, p_settlement, p_from, p_to,
               p_group_by, p_approval = 'ANY')`,
    before: '      RETURN QUERY\n      SELECT r.tenant_id, r.region,',
  },
  {
    call: `outcome_raw_cells(p_pair_tenant, p_pair_indicator, p_scoped_tenants,
               p_scoped_projects, NULL, NULL, NULL, NULL, NULL, p_group_by)`,
    before: '    RETURN QUERY\n    WITH rules AS (',
  },
];

/** The cells of `call` computed into v_cells, before the statement that starts with `before`. */
function computed(call: string, before: string): string {
  const indent = /^ */.exec(before)![0];
  return `${indent}v_cells := ARRAY(SELECT ROW(r.*)::outcome_raw_cell FROM ${call} r);\n${before}`;
}

const PRUNED = 'p.tenant_id = ANY (v_tenants)';

/** The join of cells (alias `cells`) to their projects, as outcome_cells writes it. */
function projectsJoin(cells: string): string {
  return `LEFT JOIN projects p ON p.tenant_id = ${cells}.project_tenant_id AND p.id = ${cells}.project_id`;
}

function replaceOnce(sql: string, from: string, to: string): string {
  const at = sql.indexOf(from);
  if (at < 0 || sql.indexOf(from, at + 1) >= 0) {
    throw new Error(`outcome_cells: expected exactly one ${JSON.stringify(from)}`);
  }
  return sql.slice(0, at) + to + sql.slice(at + from.length);
}

/** outcome_cells's definition in the database now (CREATE OR REPLACE …). */
async function currentCells(db: QueryRunner): Promise<string> {
  const [row] = (await db.query(`SELECT pg_get_functiondef('${CELLS}'::regprocedure) AS sql`)) as {
    sql: string;
  }[];
  return row!.sql;
}

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to create a function
 * after a parallel command on a distributed table in the same transaction ("there was a
 * parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
