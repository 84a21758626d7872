import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * IATI results by survey round (docs/iati.md): `iati_published_cells(p_tenant)`, the values a
 * tenant's IATI file may publish, one cell per project, indicator, sex and round — the
 * BASELINE, MIDLINE and ENDLINE surveys, and routine monitoring by calendar quarter — with the
 * round's window (the months its fieldwork took; a routine round's quarter).
 *
 * Published data is public, so the cells are protected as for the strictest recipient there
 * is: the largest minimum cell size and deviations of the tenant itself and of every sharing
 * agreement of the tenant not revoked (expired and future ones included: each is a recipient
 * that did or will see the data), never less than the defaults (a deviation of 2, variance 1,
 * a value deviation of 2). A cell on fewer than k respondents (true or perturbed) or fewer than
 * 3 communities is left out (not returned); every other count and mean is perturbed by the
 * cell-key method from the measurements' record keys, with the labels outcome_cells uses, so a
 * cell gets the same draw in every file. Approved measurements only. The windows are the
 * data's own, never a caller's (a chosen window is what a difference attack would use).
 *
 * SECURITY DEFINER, as outcome_cells: it reads the tenant's measurements and record keys, and
 * refuses a request that does not read the whole tenant (its admins, `iati` keys; the service
 * checks the publishing right itself).
 */
export class IatiSurveyRounds1796185198185 implements MigrationInterface {
  name = 'IatiSurveyRounds1796185198185';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`
      CREATE FUNCTION iati_published_cells(p_tenant uuid)
      RETURNS TABLE (project_id uuid, indicator_id uuid, sex text, round text, period text,
        window_start date, window_end date, value numeric, respondents integer,
        communities integer, min_cell_size integer, max_deviation integer,
        deviation_variance numeric, value_deviation numeric)
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public
      AS $$
      #variable_conflict use_column
      DECLARE
        v_k integer; v_d integer; v_v numeric; v_dv numeric;
      BEGIN
        IF p_tenant IS NULL OR NOT (p_tenant = ANY (app_uuid_setting('app.tenant_ids')))
           OR p_tenant = ANY (app_uuid_setting('app.partner_tenant_ids')) THEN
          RAISE EXCEPTION 'iati_published_cells: the request does not read this tenant in full'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT greatest(t.min_cell_size, coalesce(max(a.min_cell_size), 0)),
               greatest(2, coalesce(max(a.max_deviation), 0)),
               greatest(1, coalesce(max(a.deviation_variance), 0)),
               greatest(2, coalesce(max(a.value_deviation), 0))
          INTO v_k, v_d, v_v, v_dv
          FROM tenants t
          LEFT JOIN sharing_agreements a ON a.tenant_id = t.id AND a.revoked_at IS NULL
         WHERE t.id = p_tenant
         GROUP BY t.min_cell_size;
        IF v_k IS NULL THEN RETURN; END IF;

        RETURN QUERY
        WITH m AS (
          SELECT m.project_id, m.community_id, m.indicator_id, m.sex, m.period, m.measured_on,
                 m.value, m.sample_size, k.record_key,
                 CASE WHEN m.period = 'ROUTINE'
                      THEN 'ROUTINE ' || to_char(m.measured_on, 'YYYY-"Q"Q')
                      ELSE m.period END AS round
            FROM measurements m
            LEFT JOIN outcome_record_keys k ON k.tenant_id = m.tenant_id AND k.measurement_id = m.id
           WHERE m.tenant_id = p_tenant AND m.deleted_at IS NULL AND m.age_band IS NULL
             AND m.sample_size > 0 AND m.approval_state = 'APPROVED'
        ), ranked AS (
          -- A community measured more than once in a round counts with its last measurement.
          SELECT m.*, rank() OVER (
                   PARTITION BY m.project_id, m.community_id, m.indicator_id, m.sex, m.round
                   ORDER BY m.measured_on DESC) AS r
            FROM m
        ), cells AS (
          SELECT r.project_id, r.indicator_id, r.sex, r.round, min(r.period) AS period,
                 date_trunc(CASE WHEN min(r.period) = 'ROUTINE' THEN 'quarter' ELSE 'month' END,
                   min(r.measured_on))::date AS window_start,
                 (date_trunc(CASE WHEN min(r.period) = 'ROUTINE' THEN 'quarter' ELSE 'month' END,
                   max(r.measured_on))
                  + CASE WHEN min(r.period) = 'ROUTINE' THEN interval '3 months'
                         ELSE interval '1 month' END - interval '1 day')::date AS window_end,
                 sum(r.value * r.sample_size) AS total, sum(r.sample_size)::bigint AS n,
                 count(DISTINCT r.community_id)::int AS c,
                 (sum(r.record_key) % ${KEY_MODULUS})::bigint AS key
            FROM ranked r
           WHERE r.r = 1
           GROUP BY r.project_id, r.indicator_id, r.sex, r.round
        ), noisy AS (
          SELECT c.*,
                 greatest(c.n + cell_key_deviation(cell_key_uniform(c.key, 'respondents'), v_d,
                   v_v), 0) AS pn,
                 greatest(c.c + cell_key_deviation(cell_key_uniform(c.key, 'communities'), v_d,
                   v_v), 0) AS pc,
                 c.total / c.n * (1 + v_dv * (2 * cell_key_uniform(c.key,
                   'value:' || c.total::text)::numeric - 1) / c.n) AS pm
            FROM cells c
           WHERE c.n > 0
        )
        SELECT n.project_id, n.indicator_id, n.sex, n.round, n.period, n.window_start,
               n.window_end, n.pm, n.pn::int, greatest(n.pc, 3)::int, v_k, v_d, v_v, v_dv
          FROM noisy n
         WHERE n.n >= v_k AND n.pn >= v_k AND n.c >= 3
         ORDER BY n.project_id, n.indicator_id, n.window_start, n.sex NULLS FIRST;
      END $$`);
    await db.query(`REVOKE ALL ON FUNCTION iati_published_cells(uuid) FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION iati_published_cells(uuid) TO dg_app`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`DROP FUNCTION iati_published_cells(uuid)`);
  }
}

/** outcome_series' modulus of cell keys (migrations/1796156655380-disclosure-control.ts). */
const KEY_MODULUS = '281474976710656';

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
