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
export class InvitationsBoundApart1796183762991 implements MigrationInterface {
  name = 'InvitationsBoundApart1796183762991';

  public async up(db: QueryRunner): Promise<void> {
    const previous = await previousUserPrincipal();
    const match = BINDING.exec(previous);
    if (!match) throw new Error('request_user_principal is not as row-security-everywhere left it');
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
    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(withoutBinding(previous, match[0]));
    await db.query(`REVOKE ALL ON FUNCTION request_user_principal(text) FROM PUBLIC`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION request_user_principal(text)`);
    await db.query(await previousUserPrincipal());
    await db.query(`REVOKE ALL ON FUNCTION request_user_principal(text) FROM PUBLIC`);
    await db.query(`DROP FUNCTION bind_pending_invitations(text)`);
  }
}

/** The binding block of request_user_principal, from `IF EXISTS (pending)` to its `END IF;`. */
const BINDING =
  / {4}IF EXISTS \(SELECT 1 FROM memberships m WHERE lower\(m\.invited_email\) = lower\(v_user\.email\)\n {18}AND m\.user_id IS NULL AND m\.revoked_at IS NULL\) THEN\n([\s\S]*?\n {6}END;\n) {4}END IF;\n/;

/** request_user_principal without the binding, saying instead whether any is pending. */
function withoutBinding(sql: string, block: string): string {
  const replace = (from: string, to: string, text: string) => {
    if (!text.includes(from)) throw new Error(`request_user_principal: no ${from}`);
    return text.replace(from, to);
  };
  let out = sql.replace(block, '');
  out = replace('tenant_ids text)', 'tenant_ids text, pending_invitations boolean)', out);
  out = replace(
    '      v_tenant_ids;\n',
    `      v_tenant_ids,
      -- Bound by bind_pending_invitations in a transaction of its own (see the migration).
      EXISTS (SELECT 1 FROM memberships m WHERE lower(m.invited_email) = lower(v_user.email)
                 AND m.user_id IS NULL AND m.revoked_at IS NULL);
`,
    out,
  );
  return out;
}

/** request_user_principal as row-security-everywhere defines it. */
async function previousUserPrincipal(): Promise<string> {
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
