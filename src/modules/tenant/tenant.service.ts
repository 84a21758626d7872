import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { DatabaseError } from 'pg';
import { Capability } from '../../auth/access';
import { badUserInput, conflict, forbidden } from '../../common/errors';
import type { RequestContext } from '../../context';
import { recordAudit } from '../audit/audit.service';
import { isSupportedLanguage, supportedLanguages } from '../translation/translation.languages';
import { tenantLanguagesOf } from '../translation/translation.loaders';
import type { SetTenantLanguagesInput } from './tenant.inputs';
import type { Tenant } from './tenant.type';

const TENANT_COLUMNS = `t.id, t.code, t.name, t.default_locale AS "defaultLocale", t.timezone, t.version,
  t.source_language AS "sourceLanguage", t.enabled_languages AS "enabledLanguages"`;

export async function listTenants(
  ctx: RequestContext,
  page: { first?: number | null; after?: string | null },
): Promise<Page<Tenant>> {
  return fetchPage<Tenant>(ctx, {
    select: TENANT_COLUMNS,
    from: 'tenants t',
    where: ['t.id = ANY ($1::uuid[])'],
    params: [ctx.access.grantedTenantIds],
    sort: { column: 't.code', cast: 'text', value: (row) => row.code },
    idColumn: 't.id',
    direction: OrderDirection.ASC,
    ...page,
  });
}

export async function tenantsByIds(ctx: RequestContext, ids: readonly string[]): Promise<Tenant[]> {
  return ctx.tx.query<Tenant>(
    `SELECT ${TENANT_COLUMNS} FROM tenants t WHERE t.id = ANY ($1::uuid[]) AND t.id = ANY ($2::uuid[])`,
    [ids, ctx.access.grantedTenantIds],
  );
}

export async function tenantByCode(ctx: RequestContext, code: string): Promise<Tenant | null> {
  const [row] = await ctx.tx.query<Tenant>(
    `SELECT ${TENANT_COLUMNS} FROM tenants t WHERE t.code = $1 AND t.id = ANY ($2::uuid[])`,
    [code.toUpperCase(), ctx.access.grantedTenantIds],
  );
  return row ?? null;
}

/**
 * The languages a tenant offers, chosen by its administrators: supported languages only,
 * each once. Rows keep their source language (a text is never re-labelled); a language no
 * longer offered is no longer answered from translations, and new rows cannot be written in it.
 */
export async function setTenantLanguages(
  ctx: RequestContext,
  input: SetTenantLanguagesInput,
): Promise<Tenant> {
  const code = input.tenantCode.trim().toUpperCase();
  const tenantId = ctx.access.tenantForCode(Capability.ADMIN, code);
  if (!tenantId) throw forbidden(`You may not administer tenant ${code}`);
  const languages = input.languages.map((l) => l.trim());
  const unknown = languages.find((l) => !isSupportedLanguage(l));
  if (unknown !== undefined) {
    throw badUserInput(
      'languages',
      `"${unknown}" is not a supported language (${supportedLanguages().join(', ')})`,
    );
  }
  const twice = languages.find((l, i) => languages.indexOf(l) !== i);
  if (twice !== undefined) throw badUserInput('languages', `${twice} is given twice`);
  const [before] = await tenantsByIds(ctx, [tenantId]);
  let rows: { id: string }[];
  try {
    rows = await ctx.tx.query<{ id: string }>(
      `SELECT id FROM set_tenant_languages($1, $2::text[], $3)`,
      [tenantId, languages, input.expectedVersion],
    );
  } catch (error) {
    if (error instanceof DatabaseError && error.code === '42501') {
      throw forbidden(`You may not administer tenant ${code}`);
    }
    throw error;
  }
  if (rows.length === 0) {
    throw conflict('The Tenant has changed since the version you read; reload it and retry', {
      field: 'expectedVersion',
      currentVersion: before?.version ?? null,
    });
  }
  tenantLanguagesOf(ctx).clear(tenantId);
  const [after] = await tenantsByIds(ctx, [tenantId]);
  await recordAudit(ctx, {
    tenantId,
    action: 'UPDATE',
    entityType: 'Tenant',
    entityId: tenantId,
    before: { version: before!.version, enabledLanguages: before!.enabledLanguages },
    after: { version: after!.version, enabledLanguages: after!.enabledLanguages },
  });
  return after!;
}
