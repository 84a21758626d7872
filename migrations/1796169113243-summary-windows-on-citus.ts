import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DisclosureControl1796156655380 } from './1796156655380-disclosure-control';

/**
 * outcome_raw_cells choosing its source (the kept series, or the rows of a date window) in
 * PL/pgSQL instead of in SQL, the same cells on plain PostgreSQL and on Citus.
 *
 * The disclosure-control migration unites both sources in one query, each behind a condition
 * on the parameters only (`WHERE p_from IS NULL AND p_to IS NULL`). With the parameters as
 * constants (force_custom_plan) the planner turns those into one-time filters, and Citus
 * refuses them in a query with an outer join on PostgreSQL 15 and 16 ("Distributed queries
 * with outer joins and pseudoconstant quals are not supported"): every filtered summary (a
 * date window, a project, a community, a settlement, by region) failed on a cluster. Here each
 * source has its own query, the rest of the function unchanged.
 */
export class SummaryWindowsOnCitus1796169113243 implements MigrationInterface {
  name = 'SummaryWindowsOnCitus1796169113243';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(withSourceChosenFirst(await previousRawCells()));
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(await previousRawCells());
  }
}

/** outcome_raw_cells as the disclosure-control migration defines it, as CREATE OR REPLACE. */
async function previousRawCells(): Promise<string> {
  const recorded: string[] = [];
  const recorder = {
    query: (sql: string) => {
      recorded.push(sql.trim());
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  await new DisclosureControl1796156655380().up(recorder);
  const sql = recorded.find((s) => /^CREATE (OR REPLACE )?FUNCTION outcome_raw_cells\(/.test(s));
  if (!sql)
    throw new Error('No definition of outcome_raw_cells in the disclosure-control migration');
  return sql.replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION');
}

const UNITED_SOURCES =
  / {4}RETURN QUERY\n {4}WITH s AS \(\n([\s\S]*?FROM outcome_series s\n) {7}WHERE p_from IS NULL AND p_to IS NULL\n {9}AND ([\s\S]*?)\n {6}UNION ALL\n {6}(SELECT r\.\* FROM outcome_series_rows\(v_tenants, v_by_year, p_from, p_to\) r)\n {7}WHERE p_from IS NOT NULL OR p_to IS NOT NULL\n {4}\)\n([\s\S]*?GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;)\n/;

/** The two sources as two queries, chosen by the parameters before planning. */
function withSourceChosenFirst(sql: string): string {
  const match = UNITED_SOURCES.exec(sql);
  if (!match)
    throw new Error('outcome_raw_cells is not as the disclosure-control migration left it');
  const [whole, series, seriesConditions, windowRows, cells] = match;
  return sql.replace(
    whole,
    `    IF p_from IS NULL AND p_to IS NULL THEN
      RETURN QUERY
      WITH s AS (
${series}       WHERE ${seriesConditions}
      )
${cells}
    ELSE
      RETURN QUERY
      WITH s AS (
      ${windowRows}
      )
${cells}
    END IF;
`,
  );
}
