import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The row-security policies of migrations/1796156237055-row-security-everywhere.ts rewritten
 * without a sub-query, the one form Citus accepts on its tables ("Subqueries are not
 * supported in policies on distributed tables"), with the same meaning, on plain PostgreSQL
 * too:
 *
 * - settings are read by plain calls of the STABLE `app_uuid_setting(…)` (inlined; in an index
 *   condition evaluated once per scan) instead of `((SELECT app_uuid_setting(…)))`;
 * - a partner's communities come from a new setting, `app.partner_community_ids` (the
 *   communities its partner projects target, computed by `set_request_scope` with the project
 *   ids), instead of an EXISTS on project_communities;
 * - a user is visible to whoever administers a tenant where it holds (or held) a membership,
 *   asked of `app_administers_user(id)`, a SECURITY DEFINER function reading memberships,
 *   instead of an EXISTS on memberships under the caller's own rights.
 */
export class PoliciesWithoutSubqueries1796158337366 implements MigrationInterface {
  name = 'PoliciesWithoutSubqueries1796158337366';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION app_administers_user(p_user uuid) RETURNS boolean
      LANGUAGE plpgsql STABLE SECURITY DEFINER
      SET search_path = public
      AS $$
      BEGIN
        RETURN EXISTS (SELECT 1 FROM memberships m
                        WHERE m.user_id = p_user
                          AND m.tenant_id = ANY (app_uuid_setting('app.admin_tenant_ids')));
      END $$`);
    await db.query(`REVOKE ALL ON FUNCTION app_administers_user(uuid) FROM PUBLIC`);
    await db.query(`GRANT EXECUTE ON FUNCTION app_administers_user(uuid) TO dg_app`);
    await db.query(setRequestScope(true));
    for (const statement of alterPolicies(policies(true))) await db.query(statement);
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const statement of alterPolicies(policies(false))) await db.query(statement);
    await db.query(setRequestScope(false));
    await db.query(`DROP FUNCTION app_administers_user(uuid)`);
  }
}

interface Policy {
  table: string;
  name: string;
  using?: string;
  check?: string;
}

function alterPolicies(list: Policy[]): string[] {
  return list.map(
    ({ table, name, using, check }) =>
      `ALTER POLICY ${name} ON ${table}` +
      (using === undefined ? '' : ` USING ${using}`) +
      (check === undefined ? '' : ` WITH CHECK ${check}`),
  );
}

/**
 * Every policy that reads a request setting, in the form without sub-queries (`citus`) or as
 * the row-security migration wrote it.
 */
function policies(citus: boolean): Policy[] {
  const setting = (name: string) =>
    citus ? `(app_uuid_setting('${name}'))` : `((SELECT app_uuid_setting('${name}'))::uuid[])`;
  const READ = setting('app.tenant_ids');
  const PARTNER = setting('app.partner_tenant_ids');
  const PROJECTS = setting('app.partner_project_ids');
  const WRITE = setting('app.write_tenant_ids');
  const ADMIN = setting('app.admin_tenant_ids');
  const ACTOR = citus
    ? `current_setting('app.actor', true)`
    : `(SELECT current_setting('app.actor', true))`;

  const readsTenantInFull = (t: string) => `(${t} = ANY ${READ} AND NOT (${t} = ANY ${PARTNER}))`;
  const readsProject = (t: string, p: string) =>
    `(${t} = ANY ${READ} AND (NOT (${t} = ANY ${PARTNER}) OR ${p} = ANY ${PROJECTS}))`;
  const writesTenant = (t: string) => `(${t} = ANY ${WRITE} AND NOT (${t} = ANY ${PARTNER}))`;
  const writesProject = (t: string, p: string) => `(${t} = ANY ${WRITE} AND ${readsProject(t, p)})`;
  const administers = (t: string) => `(${t} = ANY ${ADMIN})`;
  const ADMINISTERED_KEY = `(cardinality(tenant_ids) > 0 AND tenant_ids <@ ${ADMIN})`;
  const partnerCommunity = citus
    ? `id = ANY ${setting('app.partner_community_ids')}`
    : `EXISTS (
       SELECT 1 FROM project_communities pc
        WHERE pc.tenant_id = communities.tenant_id AND pc.community_id = communities.id
          AND pc.project_id = ANY ${PROJECTS})`;

  const writable = (
    table: string,
    read: string,
    check: string,
    { update, del }: { update: boolean; del: boolean },
  ): Policy[] => [
    { table, name: 'read', using: read },
    { table, name: 'write_insert', check },
    ...(update ? [{ table, name: 'write_update', using: check, check }] : []),
    ...(del ? [{ table, name: 'write_delete', using: check }] : []),
  ];

  return [
    {
      table: 'users',
      name: 'administered_users',
      using: citus
        ? `(app_administers_user(id))`
        : `(EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id AND ${administers('m.tenant_id')}))`,
    },
    { table: 'memberships', name: 'administered', using: administers('tenant_id') },
    { table: 'memberships', name: 'grant_membership', check: administers('tenant_id') },
    {
      table: 'memberships',
      name: 'revoke_membership',
      using: `(${administers('tenant_id')} AND revoked_at IS NULL)`,
      check: `(${administers('tenant_id')} AND revoked_at IS NOT NULL)`,
    },
    ...writable('projects', readsProject('tenant_id', 'id'), writesTenant('tenant_id'), {
      update: true,
      del: true,
    }),
    ...writable(
      'project_organisations',
      readsProject('tenant_id', 'project_id'),
      writesTenant('tenant_id'),
      { update: false, del: false },
    ),
    ...writable(
      'project_communities',
      readsProject('tenant_id', 'project_id'),
      writesTenant('tenant_id'),
      { update: false, del: false },
    ),
    ...writable(
      'communities',
      `(tenant_id = ANY ${READ} AND (NOT (tenant_id = ANY ${PARTNER}) OR ${partnerCommunity}))`,
      writesTenant('tenant_id'),
      { update: true, del: true },
    ),
    ...writable(
      'indicators',
      `(tenant_id IS NULL OR tenant_id = ANY ${READ})`,
      writesTenant('tenant_id'),
      { update: true, del: true },
    ),
    ...writable(
      'activities',
      readsProject('tenant_id', 'project_id'),
      writesProject('tenant_id', 'project_id'),
      { update: true, del: false },
    ),
    ...writable(
      'measurements',
      readsProject('tenant_id', 'project_id'),
      writesProject('tenant_id', 'project_id'),
      { update: true, del: false },
    ),
    { table: 'api_keys', name: 'administered', using: ADMINISTERED_KEY },
    { table: 'api_keys', name: 'create_key', check: ADMINISTERED_KEY },
    {
      table: 'api_keys',
      name: 'revoke_key',
      using: `(${ADMINISTERED_KEY} AND revoked_at IS NULL)`,
      check: `(${ADMINISTERED_KEY} AND revoked_at IS NOT NULL)`,
    },
    { table: 'audit_events', name: 'administered', using: administers('tenant_id') },
    { table: 'audit_events', name: 'append', check: `(tenant_id = ANY ${READ})` },
    { table: 'sharing_agreements', name: 'administered', using: administers('tenant_id') },
    { table: 'sharing_agreements', name: 'approve', check: administers('tenant_id') },
    {
      table: 'sharing_agreements',
      name: 'revoke_agreement',
      using: `(${administers('tenant_id')} AND revoked_at IS NULL)`,
      check: `(${administers('tenant_id')} AND revoked_at IS NOT NULL)`,
    },
    {
      table: 'idempotency_keys',
      name: 'own_keys',
      using: `(tenant_id = ANY ${WRITE} AND principal = ${ACTOR})`,
      check: `(tenant_id = ANY ${WRITE} AND principal = ${ACTOR})`,
    },
    { table: 'outcome_series', name: 'read', using: readsProject('tenant_id', 'project_id') },
    { table: 'outcome_totals', name: 'read', using: readsTenantInFull('tenant_id') },
  ];
}

/**
 * `set_request_scope` as the row-security migration wrote it, or (`citus`) also setting
 * `app.partner_community_ids`, the communities targeted by the partner projects, and reading
 * one tenant at a time.
 */
function setRequestScope(citus: boolean): string {
  // On Citus each lookup names one tenant, so that it is routed to that tenant's shards
  // instead of every shard (a join with unnest() cannot be pruned).
  const projects = citus
    ? `
    v_projects := '{}';
    v_communities := '{}';
    FOR v_t, v_o IN
      SELECT DISTINCT g.t, g.o FROM unnest(p_tenant, p_organisation, p_role) AS g (t, o, r)
       WHERE g.r IN ('PARTNER_EDITOR', 'PARTNER_VIEWER') AND g.t = ANY (v_partner)
    LOOP
      v_projects := v_projects || ARRAY(
        SELECT po.project_id FROM project_organisations po
         WHERE po.tenant_id = v_t AND po.organisation_id = v_o
           AND po.role IN ('IMPLEMENTER', 'PARTNER'));
    END LOOP;
    v_projects := ARRAY(SELECT DISTINCT p FROM unnest(v_projects) AS p);
    FOREACH v_t IN ARRAY v_partner LOOP
      v_communities := v_communities || ARRAY(
        SELECT DISTINCT pc.community_id FROM project_communities pc
         WHERE pc.tenant_id = v_t AND pc.project_id = ANY (v_projects));
    END LOOP;
    EXECUTE format('SET LOCAL app.partner_community_ids = %L', array_to_string(v_communities, ','));`
    : `
    v_projects := ARRAY(
      SELECT DISTINCT po.project_id
        FROM unnest(p_tenant, p_organisation, p_role) AS g (t, o, r)
        JOIN project_organisations po ON po.tenant_id = g.t AND po.organisation_id = g.o
       WHERE g.r IN ('PARTNER_EDITOR', 'PARTNER_VIEWER') AND g.t = ANY (v_partner)
         AND po.role IN ('IMPLEMENTER', 'PARTNER'));`;
  return `
  CREATE OR REPLACE FUNCTION set_request_scope(p_tenant uuid[], p_organisation uuid[], p_role text[],
    p_reads boolean, p_writes boolean, p_administers boolean, p_actor text)
  RETURNS text
  LANGUAGE plpgsql
  SET search_path = public
  AS $$
  DECLARE
    v_read uuid[];
    v_full uuid[];
    v_partner uuid[];
    v_projects uuid[];
    v_communities uuid[];
    v_t uuid;
    v_o uuid;
    v_write uuid[];
    v_admin uuid[];
  BEGIN
    IF cardinality(p_tenant) IS DISTINCT FROM cardinality(p_organisation)
       OR cardinality(p_tenant) IS DISTINCT FROM cardinality(p_role) THEN
      RAISE EXCEPTION 'set_request_scope: invalid arguments' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_reads AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN', 'PARTNER_EDITOR', 'PARTNER_VIEWER')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_reads AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_writes AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN', 'PARTNER_EDITOR')),
           ARRAY(SELECT DISTINCT g.t FROM unnest(p_tenant, p_role) AS g (t, r)
                  WHERE p_administers AND g.r IN ('PLATFORM_ADMIN', 'TENANT_ADMIN'))
      INTO v_read, v_full, v_write, v_admin;
    v_partner := ARRAY(SELECT t FROM unnest(v_read) AS t WHERE NOT (t = ANY (v_full)));
${projects}
    EXECUTE format('SET LOCAL app.tenant_ids = %L', array_to_string(v_read, ','));
    EXECUTE format('SET LOCAL app.partner_tenant_ids = %L', array_to_string(v_partner, ','));
    EXECUTE format('SET LOCAL app.partner_project_ids = %L', array_to_string(v_projects, ','));
    EXECUTE format('SET LOCAL app.write_tenant_ids = %L', array_to_string(v_write, ','));
    EXECUTE format('SET LOCAL app.admin_tenant_ids = %L', array_to_string(v_admin, ','));
    EXECUTE format('SET LOCAL app.actor = %L', coalesce(p_actor, ''));
    RETURN array_to_string(v_read, ',');
  END $$`;
}
