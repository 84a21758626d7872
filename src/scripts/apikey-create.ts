import 'reflect-metadata';
import type { ClientBase } from 'pg';
import { Scope } from '../auth/principal';
import { DomainError } from '../common/errors';
import { API_KEY_NAME_MAX } from '../modules/api-key/api-key.inputs';
import type { ApiKey } from '../modules/api-key/api-key.type';
import {
  checkOrganisationHoldsRoles,
  insertApiKey,
  type Run,
} from '../modules/api-key/api-key.service';

/** A mistake in the arguments: printed with a pointer to --help, never with a stack. */
export class UsageError extends Error {}

export type ApiKeyCreateOptions = Readonly<{
  org: string;
  tenantCodes: string[];
  scopes: Scope[];
  name: string;
  expiresAt: Date | null;
}>;

/** The options of `apikey create` as the command line gives them (see src/scripts/cli.ts). */
export type ApiKeyCreateArgs = Readonly<{
  org?: string;
  tenants?: string;
  scopes?: string;
  name?: string;
  expires?: string;
  allowAdmin?: boolean;
}>;

const SCOPES = Object.values(Scope);

/** Checks and normalises the command line's values. Throws UsageError on any mistake. */
export function apiKeyCreateOptions(args: ApiKeyCreateArgs, now = new Date()): ApiKeyCreateOptions {
  const org = args.org?.trim();
  if (!org) throw new UsageError('--org is required: the id or the exact name of an organisation');

  const tenantCodes = list(args.tenants).map((code) => code.toUpperCase());
  if (tenantCodes.length === 0) throw new UsageError('--tenants is required, e.g. --tenants TJ,KG');
  const malformed = tenantCodes.filter((code) => !/^[A-Z]{2}$/.test(code));
  if (malformed.length > 0) {
    throw new UsageError(
      `Unknown tenant code ${malformed.join(', ')}: tenant codes are two letters, e.g. TJ`,
    );
  }

  const scopeNames = list(args.scopes).map((scope) => scope.toLowerCase());
  if (scopeNames.length === 0)
    throw new UsageError('--scopes is required, e.g. --scopes read,write');
  const unknown = scopeNames.filter((scope) => !SCOPES.includes(scope as Scope));
  if (unknown.length > 0) {
    throw new UsageError(`Unknown scope ${unknown.join(', ')}: use ${SCOPES.join(', ')}`);
  }
  const scopes = scopeNames as Scope[];
  if (scopes.includes(Scope.ADMIN) && !args.allowAdmin) {
    throw new UsageError(
      'The admin scope lets the key manage memberships and API keys; pass --allow-admin to grant it',
    );
  }

  const name = (args.name ?? `apikey create ${now.toISOString().slice(0, 10)}`).trim();
  if (name.length === 0 || name.length > API_KEY_NAME_MAX) {
    throw new UsageError(`--name must be 1 to ${API_KEY_NAME_MAX} characters`);
  }

  return { org, tenantCodes, scopes, name, expiresAt: parseExpiry(args.expires, now) };
}

function list(value: string | undefined): string[] {
  const items = (value ?? '').split(',').map((item) => item.trim());
  return [...new Set(items.filter((item) => item.length > 0))];
}

function parseExpiry(value: string | undefined, now: Date): Date | null {
  if (value === undefined) return null;
  const text = value.trim();
  const date = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? new Date(`${text}T00:00:00Z`)
    : /^\d{4}-\d{2}-\d{2}T/.test(text)
      ? new Date(text)
      : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--expires ${value} is not a date: use 2027-01-01 or 2027-01-01T12:00:00Z`,
    );
  }
  if (date.getTime() <= now.getTime())
    throw new UsageError(`--expires ${value} is not in the future`);
  return date;
}

export type CreatedApiKey = Readonly<{
  apiKey: ApiKey;
  token: string;
  organisationName: string;
  tenantCodes: string[];
}>;

/**
 * Looks the organisation and tenants up, checks the organisation holds a role in each tenant,
 * and inserts the key. Runs as the database owner, like the seed.
 */
export async function createApiKeyFromCli(
  client: ClientBase,
  options: ApiKeyCreateOptions,
): Promise<CreatedApiKey> {
  const run: Run = async <R extends object>(sql: string, params: unknown[]) =>
    (await client.query(sql, params)).rows as R[];
  const organisations = await run<{ id: string; name: string }>(
    `SELECT id, name FROM organisations WHERE id::text = lower($1) OR name = $1`,
    [options.org],
  );
  const [organisation] = organisations;
  if (!organisation) {
    const known = await run<{ name: string }>(
      `SELECT name FROM organisations ORDER BY name LIMIT 30`,
      [],
    );
    throw new UsageError(
      `Unknown organisation "${options.org}": give its id or its exact name` +
        (known.length > 0 ? ` (known: ${known.map((o) => o.name).join('; ')})` : ''),
    );
  }
  const tenants = await run<{ id: string; code: string }>(
    `SELECT id, code FROM tenants WHERE code = ANY ($1::text[])`,
    [options.tenantCodes],
  );
  const found = new Map(tenants.map((t) => [t.code, t.id]));
  const missing = options.tenantCodes.filter((code) => !found.has(code));
  if (missing.length > 0) {
    const known = await run<{ code: string }>(`SELECT code FROM tenants ORDER BY code`, []);
    throw new UsageError(
      `Unknown tenant code ${missing.join(', ')} (known: ${known.map((t) => t.code).join(', ')})`,
    );
  }
  const tenantIds = options.tenantCodes.map((code) => found.get(code)!);
  try {
    await checkOrganisationHoldsRoles(run, organisation.id, tenantIds);
  } catch (error) {
    throw error instanceof DomainError ? new UsageError(error.message) : error;
  }
  const { apiKey, token } = await insertApiKey(run, {
    organisationId: organisation.id,
    name: options.name,
    tenantIds,
    scopes: options.scopes,
    expiresAt: options.expiresAt,
    createdBy: 'cli',
  });
  return { apiKey, token, organisationName: organisation.name, tenantCodes: options.tenantCodes };
}
