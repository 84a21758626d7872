import type { ClientBase } from 'pg';
import { OrganisationKind } from '../modules/organisation/organisation.entity';
import { UsageError } from './apikey-create';

/**
 * What an operator creates from the command line before anyone can sign in: the tenants,
 * the organisations, and the first administrator. Runs as the database owner, like the seed
 * and migrations; the API itself has no way to create these.
 */

export type TenantCreateOptions = Readonly<{ code: string; name: string; timezone?: string }>;

export async function createTenant(
  client: ClientBase,
  options: TenantCreateOptions,
): Promise<{ id: string; code: string; created: boolean }> {
  const code = options.code.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) {
    throw new UsageError(
      `--code ${options.code}: a tenant code is two letters (ISO 3166-1), e.g. TJ`,
    );
  }
  const name = required(options.name, '--name');
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO tenants (code, name, timezone) VALUES ($1, $2, $3)
     ON CONFLICT (code) DO NOTHING RETURNING id`,
    [code, name, options.timezone ?? 'UTC'],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, code, created: true };
  const existing = await client.query<{ id: string }>(`SELECT id FROM tenants WHERE code = $1`, [
    code,
  ]);
  return { id: existing.rows[0]!.id, code, created: false };
}

export type OrganisationCreateOptions = Readonly<{ name: string; kind: string }>;

export const ORGANISATION_KINDS = Object.values(OrganisationKind);

export async function createOrganisation(
  client: ClientBase,
  options: OrganisationCreateOptions,
): Promise<{ id: string; name: string; created: boolean }> {
  const name = required(options.name, '--name');
  const kind = options.kind.trim().toUpperCase();
  if (!ORGANISATION_KINDS.includes(kind as OrganisationKind)) {
    throw new UsageError(`--kind ${options.kind}: use one of ${ORGANISATION_KINDS.join(', ')}`);
  }
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO organisations (name, kind) VALUES ($1, $2)
     ON CONFLICT (name) DO NOTHING RETURNING id`,
    [name, kind],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, name, created: true };
  const existing = await client.query<{ id: string }>(
    `SELECT id FROM organisations WHERE name = $1`,
    [name],
  );
  return { id: existing.rows[0]!.id, name, created: false };
}

export type AdminCreateOptions = Readonly<{
  /** The `sub` claim the identity provider puts in this person's tokens. */
  subject: string;
  email: string;
  name?: string;
  /** With both: a TENANT_ADMIN of the tenant for the organisation; without: a platform admin. */
  tenant?: string;
  org?: string;
}>;

/**
 * Registers an administrator: a platform admin (every tenant), or with `tenant` and `org` a
 * tenant admin of that tenant for that organisation. Idempotent for the same person.
 */
export async function createAdmin(
  client: ClientBase,
  options: AdminCreateOptions,
): Promise<{ userId: string; role: 'PLATFORM_ADMIN' | 'TENANT_ADMIN' }> {
  const subject = required(options.subject, '--subject');
  const email = required(options.email, '--email');
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError(`--email ${email} is not an address`);
  if ((options.tenant === undefined) !== (options.org === undefined)) {
    throw new UsageError(
      '--tenant and --org go together (a tenant admin acts for an organisation)',
    );
  }
  const platformAdmin = options.tenant === undefined;
  await client.query('BEGIN');
  try {
    const user = await client.query<{ id: string; subject: string }>(
      `INSERT INTO users (subject, email, display_name, platform_admin) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subject) DO UPDATE
         SET platform_admin = users.platform_admin OR EXCLUDED.platform_admin,
             -- The default's now(): Citus refuses a non-IMMUTABLE function in DO UPDATE SET.
             updated_at = EXCLUDED.updated_at
       RETURNING id, subject`,
      [subject, email, options.name?.trim() || email, platformAdmin],
    );
    const userId = user.rows[0]!.id;
    if (!platformAdmin) {
      const place = await client.query<{ tenant_id: string; organisation_id: string }>(
        `SELECT t.id AS tenant_id, o.id AS organisation_id FROM tenants t, organisations o
          WHERE t.code = upper($1) AND (o.id::text = lower($2) OR o.name = $2)`,
        [options.tenant, options.org],
      );
      const found = place.rows[0];
      if (!found) {
        throw new UsageError(
          `No tenant ${options.tenant} or no organisation "${options.org}": create them first (tenant create, organisation create)`,
        );
      }
      await client.query(
        `INSERT INTO memberships (tenant_id, user_id, organisation_id, role, created_by)
         SELECT $1, $2, $3, 'TENANT_ADMIN', 'cli'
          WHERE NOT EXISTS (SELECT 1 FROM memberships WHERE tenant_id = $1 AND user_id = $2
            AND organisation_id = $3 AND role = 'TENANT_ADMIN' AND revoked_at IS NULL)`,
        [found.tenant_id, userId, found.organisation_id],
      );
    }
    await client.query('COMMIT');
    return { userId, role: platformAdmin ? 'PLATFORM_ADMIN' : 'TENANT_ADMIN' };
  } catch (error) {
    await client.query('ROLLBACK');
    if ((error as { code?: string }).code === '23505') {
      throw new UsageError(`Another user already has the email ${email}`);
    }
    throw error;
  }
}

function required(value: string | undefined, option: string): string {
  const text = value?.trim();
  if (!text) throw new UsageError(`${option} is required`);
  return text;
}
