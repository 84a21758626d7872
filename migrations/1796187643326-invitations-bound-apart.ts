import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RowSecurityEverywhere1796156237055 } from './1796156237055-row-security-everywhere';

/**
 * Pending invitations bound in a transaction of their own, before the request's
 * (docs/scaling.md).
 *
 * `request_user_principal` bound a signing-in user's pending invitations itself, as the owner,
 * inside the request's transaction: it wrote `memberships` and the tenant's `audit_events`
 * over the owner's connections, and on Citus the request's own reads as dg_app then touched
 * the same shard group, which Citus refuses in one transaction ("cannot perform query on
 * placements that were modified in this transaction by a different user"). An invited user's
 * first request failed there, and the invitation was never taken up.
 *
 * Now `request_user_principal` only says whether the user has pending invitations
 * (`pending_invitations`, a new last column), and `bind_pending_invitations(subject)` binds
 * them exactly as before (an invitation to a role the user already holds is void; each bound
 * one is audited as ACCEPT), in its own transaction, run by the server as the owner before it
 * opens the request's transaction again (src/auth/principal-transaction.ts). Only a request
 * that finds pending invitations pays the extra round trips, once.
 */
export class InvitationsBoundApart1796187643326 implements MigrationInterface {
  name = 'InvitationsBoundApart1796187643326';

  public async up(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    // The function as it is now (later migrations may have patched it elsewhere), not as a
    // migration once wrote it.
    const current = await currentUserPrincipal(db);
    const match = BINDING.exec(current);
    if (!match) throw new Error('request_user_principal binds no invitations: not as expected');
    const binding = match[1]!;
    await db.query(`
      CREATE FUNCTION bind_pending_invitations(p_subject text) RETURNS integer
      LANGUAGE plpgsql
      SET search_path = public
      AS $$
      DECLARE
        v_user users%ROWTYPE;
        v_bound integer := 0;
      BEGIN
        SELECT * INTO v_user FROM users u WHERE u.subject = p_subject;
        IF NOT FOUND THEN RETURN 0; END IF;
${binding
  .replace('        NULL;\n', '        RETURN 0;\n')
  .replace(
    '          FROM bound b;\n',
    '          FROM bound b;\n        GET DIAGNOSTICS v_bound = ROW_COUNT;\n',
  )}
        RETURN v_bound;
      END $$`);
    await db.query(`REVOKE ALL ON FUNCTION bind_pending_invitations(text) FROM PUBLIC`);
    // A new column: the function is dropped and created again.
    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(withoutBinding(current, match[0]));
    await db.query(`REVOKE ALL ON FUNCTION request_user_principal(text) FROM PUBLIC`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await sequentialOnCitus(db);
    const current = await currentUserPrincipal(db);
    const block = BINDING.exec(await recordedUserPrincipal())?.[0];
    if (!block) throw new Error('No binding in row-security-everywhere’s request_user_principal');
    let sql = replaceOnce(
      current,
      'tenant_ids text, pending_invitations boolean)',
      'tenant_ids text)',
    );
    sql = replaceOnce(sql, PENDING_COLUMN, '      v_tenant_ids;\n');
    sql = replaceOnce(sql, AFTER_USER, AFTER_USER + block);
    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(sql);
    await db.query(`REVOKE ALL ON FUNCTION request_user_principal(text) FROM PUBLIC`);
    await db.query(`DROP FUNCTION bind_pending_invitations(text)`);
  }
}

/** The line after which the binding block stood. */
const AFTER_USER = '    IF NOT FOUND THEN RETURN; END IF;\n';

/** The principal's last column: whether invitations are pending. */
const PENDING_COLUMN = `      v_tenant_ids,
      -- Bound by bind_pending_invitations in a transaction of its own (see the migration).
      EXISTS (SELECT 1 FROM memberships m WHERE lower(m.invited_email) = lower(v_user.email)
                 AND m.user_id IS NULL AND m.revoked_at IS NULL);
`;

function replaceOnce(sql: string, from: string, to: string): string {
  const at = sql.indexOf(from);
  if (at < 0 || sql.indexOf(from, at + 1) >= 0) {
    throw new Error(`request_user_principal: expected exactly one ${JSON.stringify(from)}`);
  }
  return sql.slice(0, at) + to + sql.slice(at + from.length);
}

/** request_user_principal's definition in the database now (CREATE OR REPLACE …). */
async function currentUserPrincipal(db: QueryRunner): Promise<string> {
  const [row] = (await db.query(
    `SELECT pg_get_functiondef('request_user_principal(text)'::regprocedure) AS sql`,
  )) as { sql: string }[];
  return row!.sql;
}

/** The binding block of request_user_principal, from `IF EXISTS (pending)` to its `END IF;`. */
const BINDING =
  / {4}IF EXISTS \(SELECT 1 FROM memberships m WHERE lower\(m\.invited_email\) = lower\(v_user\.email\)\n {18}AND m\.user_id IS NULL AND m\.revoked_at IS NULL\) THEN\n([\s\S]*?\n {6}END;\n) {4}END IF;\n/;

/** request_user_principal without the binding, saying instead whether any is pending. */
function withoutBinding(sql: string, block: string): string {
  let out = replaceOnce(sql, block, '');
  out = replaceOnce(out, 'tenant_ids text)', 'tenant_ids text, pending_invitations boolean)');
  return replaceOnce(out, '      v_tenant_ids;\n', PENDING_COLUMN);
}

/** request_user_principal as row-security-everywhere defines it. */
async function recordedUserPrincipal(): Promise<string> {
  const statements: string[] = [];
  const recorder = {
    query: (sql: string) => {
      statements.push(sql.trim());
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
  await new RowSecurityEverywhere1796156237055().up(recorder);
  const sql = statements.find((s) => s.startsWith('CREATE FUNCTION request_user_principal('));
  if (!sql) throw new Error('No definition of request_user_principal in row-security-everywhere');
  return sql;
}

/**
 * On Citus, the transaction's commands one shard at a time: Citus refuses to modify a reference
 * table, or to create a function, after a parallel command on a distributed table in the same
 * transaction ("there was a parallel operation on a distributed table").
 */
async function sequentialOnCitus(db: QueryRunner): Promise<void> {
  const citus = (await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`)) as unknown[];
  if (citus.length > 0) await db.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
}
