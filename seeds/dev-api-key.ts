import type { ClientBase } from 'pg';
import { generateApiKey } from '../src/auth/api-key-secret';
import { Scope } from '../src/auth/principal';
import { SEED_IDS } from './programme';

export const DEV_API_KEY_NAME = 'dev key';

// Two seeds starting together (e.g. several replicas) must not both mint a key.
const DEV_KEY_LOCK_KEY = 7_264_002;

/**
 * Makes the development API key — International Alert over TJ, KG and UZ, scopes read and
 * write — unless a usable one exists. Returns the token, which is shown this once and never
 * stored (only its prefix and SHA-256), or null when a key already existed. A revoked or
 * expired dev key counts as none, so a developer who revoked it gets a fresh one.
 *
 * Requires `seedProgramme` to have run. The key is random per database: nothing secret is
 * written in the code.
 */
export async function ensureDevApiKey(client: ClientBase): Promise<string | null> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [DEV_KEY_LOCK_KEY]);
    const existing = await client.query(
      `SELECT 1 FROM api_keys
        WHERE name = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [DEV_API_KEY_NAME],
    );
    if (existing.rowCount) {
      await client.query('COMMIT');
      return null;
    }
    const tenantIds = [SEED_IDS.tenants.TJ, SEED_IDS.tenants.KG, SEED_IDS.tenants.UZ];
    const seeded = await client.query(
      `SELECT (SELECT count(*) FROM tenants WHERE id = ANY ($1::uuid[]))::int AS tenants,
              EXISTS (SELECT 1 FROM organisations WHERE id = $2) AS organisation`,
      [tenantIds, SEED_IDS.organisations.internationalAlert],
    );
    const row = seeded.rows[0] as { tenants: number; organisation: boolean } | undefined;
    if (row?.tenants !== tenantIds.length || !row.organisation) {
      throw new Error(
        'ensureDevApiKey: the programme seed has not run (tenants or organisation missing)',
      );
    }
    const key = generateApiKey();
    await client.query(
      `INSERT INTO api_keys (organisation_id, name, prefix, secret_hash, tenant_ids, scopes, created_by)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6::text[], 'seed')`,
      [
        SEED_IDS.organisations.internationalAlert,
        DEV_API_KEY_NAME,
        key.prefix,
        key.secretHash,
        tenantIds,
        [Scope.READ, Scope.WRITE],
      ],
    );
    await client.query('COMMIT');
    return key.token;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
