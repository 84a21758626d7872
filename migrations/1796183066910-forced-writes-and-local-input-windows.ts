import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Platform admins' forced writes into locked periods, and input windows in the tenant's time
 * zone (docs/approval.md).
 *
 * - `request_user_principal` sets `app.platform_admin = 'on'` for a platform admin, and for
 *   nobody else: it is the one place that setting is written, before the request switches to
 *   dg_app. API keys are never platform admins.
 * - `period_locks_forced()`: true only when that setting is on and the request also asked for
 *   a forced write (`app.force_period_locks = 'on'`, set by the service around the one write a
 *   platform admin forced, and set back to off after it). Setting the second alone, as any
 *   other principal, lifts nothing.
 * - The period guard (1796168209293-approval-and-locks) raises its lock error only when the
 *   write is not forced; it still locks the periods FOR SHARE, and still refuses a forged
 *   `approval_state`. It reads the tenant's `timezone` (a reference table on Citus, read from
 *   its placement on the node holding the shard) and passes it to `period_lock_reason`, whose
 *   new argument says in which zone "today" is: a period opens on its first day and closes N
 *   days after its last, both in the tenant's local time (UTC when the zone is unknown).
 *
 * The guard is changed in place: its current definition is read from the database and patched
 * at a few named points (each must match exactly once, or the migration fails), so that this
 * migration keeps whatever the earlier one defines around them. `down` reverses the patches.
 */
export class ForcedWritesAndLocalInputWindows1796183066910 implements MigrationInterface {
  name = 'ForcedWritesAndLocalInputWindows1796183066910';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(LOCAL_TODAY);
    await db.query(REASON_WITH_ZONE);
    await db.query(FORCED);
    await db.query(`REVOKE ALL ON FUNCTION tenant_local_today(text) FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION tenant_local_today(text) TO dg_app`);
    await db.query(`REVOKE ALL ON FUNCTION ${REASON_NEW} FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION ${REASON_NEW} TO dg_app`);
    await db.query(`REVOKE ALL ON FUNCTION period_locks_forced() FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION period_locks_forced() TO dg_app`);
    await replaceFunction(db, 'period_lock_guard()', GUARD_PATCHES, 'up');
    await replaceFunction(db, 'request_user_principal(text)', PRINCIPAL_PATCHES, 'up');
    await db.query(`DROP FUNCTION ${REASON_OLD}`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    await db.query(`SET LOCAL statement_timeout = 0`);
    await db.query(REASON_IN_UTC);
    await db.query(`REVOKE ALL ON FUNCTION ${REASON_OLD} FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION ${REASON_OLD} TO dg_app`);
    await replaceFunction(db, 'request_user_principal(text)', PRINCIPAL_PATCHES, 'down');
    await replaceFunction(db, 'period_lock_guard()', GUARD_PATCHES, 'down');
    await db.query(`DROP FUNCTION period_locks_forced()`);
    await db.query(`DROP FUNCTION ${REASON_NEW}`);
    await db.query(`DROP FUNCTION tenant_local_today(text)`);
  }
}

const REASON_OLD = 'period_lock_reason(text, date, date, integer, timestamptz)';
const REASON_NEW = 'period_lock_reason(text, date, date, integer, timestamptz, text)';

/** A text replaced by another, in `up`; `down` replaces back. Each must occur exactly once. */
type Patch = Readonly<{ from: string; to: string }>;

/** Reads a function's definition, applies the patches (or their reverse), and replaces it. */
async function replaceFunction(
  db: QueryRunner,
  signature: string,
  patches: readonly Patch[],
  direction: 'up' | 'down',
): Promise<void> {
  const [row] = (await db.query(`SELECT pg_get_functiondef($1::regprocedure) AS sql`, [
    signature,
  ])) as { sql: string }[];
  let sql = row!.sql;
  for (const patch of direction === 'up' ? patches : [...patches].reverse()) {
    const [from, to] = direction === 'up' ? [patch.from, patch.to] : [patch.to, patch.from];
    const at = sql.indexOf(from);
    if (at < 0 || sql.indexOf(from, at + 1) >= 0) {
      throw new Error(`${signature}: expected exactly one occurrence of ${JSON.stringify(from)}`);
    }
    sql = sql.slice(0, at) + to + sql.slice(at + from.length);
  }
  await db.query(sql);
}

const GUARD_PATCHES: readonly Patch[] = [
  {
    from: `v_exceptions text := 'lock_exceptions';`,
    to: `v_exceptions text := 'lock_exceptions';
     v_tenants text := 'tenants';`,
  },
  {
    from: `IF TG_TABLE_NAME <> v_table THEN`,
    to: `IF TG_TABLE_NAME <> v_table THEN
       -- The placement of the reference table tenants on this node (the tenant's time zone).
       SELECT shard_name(t.logicalrelid, t.shardid) INTO v_tenants
         FROM pg_dist_shard t WHERE t.logicalrelid = 'tenants'::regclass;`,
  },
  {
    from: `s.input_window_days, e.until) AS reason`,
    to: `s.input_window_days, e.until, tz.timezone) AS reason`,
  },
  {
    from: `LEFT JOIN %3$I s ON s.tenant_id = k.t`,
    to: `LEFT JOIN %3$I s ON s.tenant_id = k.t
             LEFT JOIN %5$I tz ON tz.id = k.t`,
  },
  {
    from: `v_periods, v_projects, v_settings, v_exceptions) INTO v_reason`,
    to: `v_periods, v_projects, v_settings, v_exceptions, v_tenants) INTO v_reason`,
  },
  {
    // A platform admin's forced write passes; the periods are still locked FOR SHARE above.
    from: `IF v_reason IS NOT NULL THEN`,
    to: `IF v_reason IS NOT NULL AND NOT period_locks_forced() THEN`,
  },
];

const PRINCIPAL_PATCHES: readonly Patch[] = [
  {
    from: `v_tenant_ids := set_request_scope(`,
    to: `IF v_user.platform_admin THEN
      -- The only writer of this setting: period_locks_forced() trusts nothing else.
      EXECUTE 'SET LOCAL app.platform_admin = ''on''';
    END IF;
    v_tenant_ids := set_request_scope(`,
  },
];

// The tenant's today; an unknown zone (tenants.timezone is free text) counts as UTC.
const LOCAL_TODAY = `
  CREATE FUNCTION tenant_local_today(p_timezone text) RETURNS date
  LANGUAGE plpgsql STABLE
  SET search_path = public
  AS $$
  BEGIN
    RETURN (now() AT TIME ZONE coalesce(p_timezone, 'UTC'))::date;
  EXCEPTION WHEN invalid_parameter_value THEN
    RETURN (now() AT TIME ZONE 'UTC')::date;
  END $$`;

const FORCED = `
  CREATE FUNCTION period_locks_forced() RETURNS boolean
  LANGUAGE sql STABLE
  SET search_path = public
  AS $$
    SELECT coalesce(current_setting('app.platform_admin', true), '') = 'on'
       AND coalesce(current_setting('app.force_period_locks', true), '') = 'on'
  $$`;

/** `period_lock_reason` with "today" as `today` says; `zone` names the zone in its messages. */
const reason = (today: string, zone: string | null, signature: string) => `
  CREATE FUNCTION period_lock_reason${signature} RETURNS text
  LANGUAGE sql STABLE
  SET search_path = public
  AS $$
    SELECT CASE
      WHEN p_state = 'APPROVED' THEN format(
        'The period %s to %s of this project is approved: it is read-only until a tenant admin unapproves it',
        p_start, p_end)
      WHEN coalesce(p_window, 0) = 0 OR p_exception_until > now() THEN NULL
      WHEN ${today} < p_start THEN format(
        'The period %s to %s of this project opens for input on %s${zone ? ' (%s time)' : ''}',
        p_start, p_end, p_start${zone ? `, ${zone}` : ''})
      WHEN ${today} > p_end + p_window THEN format(
        'The period %s to %s of this project closed for input on %s (%s days after its end${zone ? ', %s time' : ''}); a tenant admin may grant a lock exception',
        p_start, p_end, p_end + p_window, p_window${zone ? `, ${zone}` : ''})
    END
  $$`;

const REASON_WITH_ZONE = reason(
  'tenant_local_today(p_timezone)',
  `coalesce(p_timezone, 'UTC')`,
  `(p_state text, p_start date, p_end date, p_window integer,
     p_exception_until timestamptz, p_timezone text)`,
);

// As 1796168209293-approval-and-locks defined it, for down().
const REASON_IN_UTC = reason(
  `(now() AT TIME ZONE 'UTC')::date`,
  null,
  `(p_state text, p_start date, p_end date, p_window integer,
     p_exception_until timestamptz)`,
);

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
