import { Capability } from '../../auth/access';
import { fetchPage, OrderDirection, type Page } from '../../common/connection';
import { badUserInput, conflict } from '../../common/errors';
import { containsPattern, param, updatedSinceSql } from '../../common/sql';
import { adminTenantOf } from '../../common/write-scope';
import { notNull, trimmed } from '../../common/validation';
import {
  assignments,
  rowToWrite,
  versionedDelete,
  versionedUpdate,
} from '../../common/versioned-write';
import type { DeleteRowInput } from '../../common/write-inputs';
import { auditDiff, recordAudit } from '../audit/audit.service';
import type { RequestContext } from '../../context';
import {
  type CreateIndicatorInput,
  IndicatorOrderField,
  type IndicatorsArgs,
  type UpdateIndicatorInput,
} from './indicator.inputs';
import type { Indicator } from './indicator.type';
import { INDICATOR_TEXTS, TranslatedField } from '../translation/translation.kinds';
import { textMatchesSql } from '../translation/translation.search';
import { sourceLanguageFor } from '../translation/translation.service';

const INDICATOR_COLUMNS = `i.id, i.tenant_id AS "tenantId", i.code, i.name, i.description,
  i.unit, i.direction, i.version, i.created_at AS "createdAt", i.updated_at AS "updatedAt",
  i.source_language AS "sourceLanguage"`;

const SORTS = {
  [IndicatorOrderField.CODE]: { column: 'i.code', cast: 'text', value: (i: Indicator) => i.code },
  [IndicatorOrderField.UPDATED_AT]: {
    column: 'i.updated_at',
    cast: 'timestamptz',
    value: (i: Indicator) => i.updatedAt!,
  },
};

export async function listIndicators(
  ctx: RequestContext,
  args: IndicatorsArgs,
): Promise<Page<Indicator>> {
  const params: unknown[] = [];
  const where = [ctx.access.indicatorVisibleSql('i.tenant_id', params)];
  const filter = args.filter ?? {};
  if (filter.codes) where.push(`i.code = ANY (${param(params, filter.codes)}::text[])`);
  if (filter.tenantCodes) {
    where.push(
      ctx.access.tenantCodesSql('i.tenant_id', filter.tenantCodes, params, { orGlobal: true }),
    );
  }
  if (filter.search) {
    const pattern = param(params, containsPattern(filter.search.trim()));
    const name = textMatchesSql(
      INDICATOR_TEXTS,
      'i',
      TranslatedField.NAME,
      filter.search,
      params,
      ctx.access,
    );
    where.push(`(${name} OR i.code ILIKE ${pattern})`);
  }
  if (filter.updatedSince) where.push(updatedSinceSql('i', filter.updatedSince, params));
  const order = args.orderBy ?? { field: IndicatorOrderField.CODE, direction: OrderDirection.ASC };
  return fetchPage<Indicator>(ctx, {
    select: INDICATOR_COLUMNS,
    from: 'indicators i',
    where,
    params,
    sort: SORTS[order.field],
    idColumn: 'i.id',
    direction: order.direction,
    first: args.first,
    after: args.after,
  });
}

export async function indicatorsByIds(
  ctx: RequestContext,
  ids: readonly string[],
): Promise<Indicator[]> {
  const params: unknown[] = [ids];
  return ctx.tx.query<Indicator>(
    `SELECT ${INDICATOR_COLUMNS} FROM indicators i WHERE i.id = ANY ($1::uuid[]) AND ${ctx.access.indicatorVisibleSql('i.tenant_id', params)}`,
    params,
  );
}

export async function createIndicator(
  ctx: RequestContext,
  input: CreateIndicatorInput,
): Promise<Indicator> {
  const tenantId = adminTenantOf(ctx, input.tenantCode);
  const sourceLanguage = await sourceLanguageFor(ctx, tenantId, input.sourceLanguage);
  const [indicator] = await ctx.tx.query<Indicator>(
    `INSERT INTO indicators AS i (tenant_id, code, name, description, unit, direction,
       created_by, updated_by, source_language)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
     RETURNING ${INDICATOR_COLUMNS}`,
    [
      tenantId,
      input.code,
      trimmed(input.name),
      trimmed(input.description) ?? null,
      input.unit,
      input.direction,
      ctx.access.actor,
      sourceLanguage,
    ],
  );
  await recordAudit(ctx, {
    tenantId,
    action: 'CREATE',
    entityType: 'Indicator',
    entityId: indicator!.id,
    ...auditDiff(null, indicator!),
  });
  return indicator!;
}

/**
 * A tenant indicator the principal administers, for writing. Global indicators (no tenant)
 * are readable but never writable here: they are shared by every tenant, and the audit log
 * is kept per tenant.
 */
async function indicatorToWrite(
  ctx: RequestContext,
  id: string,
  expectedVersion: number,
): Promise<Indicator & { tenantId: string }> {
  const params: unknown[] = [id];
  const writable = ctx.access.tenantScopeSql(Capability.TENANT_WRITE, 'i.tenant_id', params);
  const [row] = await ctx.tx.query<Indicator & { tenantId: string }>(
    `SELECT ${INDICATOR_COLUMNS} FROM indicators i WHERE i.id = $1 AND ${writable}`,
    params,
  );
  return rowToWrite(
    row,
    'Indicator',
    expectedVersion,
    async () => (await indicatorsByIds(ctx, [id])).length > 0,
  );
}

async function measurementCount(
  ctx: RequestContext,
  tenantId: string,
  id: string,
): Promise<number> {
  const [row] = await ctx.tx.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM measurements WHERE tenant_id = $1 AND indicator_id = $2`,
    [tenantId, id],
  );
  return row?.n ?? 0;
}

export async function updateIndicator(
  ctx: RequestContext,
  input: UpdateIndicatorInput,
): Promise<Indicator> {
  const current = await indicatorToWrite(ctx, input.id, input.expectedVersion);
  const unit = notNull(input.unit, 'unit');
  if (
    unit &&
    unit !== current.unit &&
    (await measurementCount(ctx, current.tenantId, current.id)) > 0
  ) {
    // Recorded values would silently change meaning.
    throw badUserInput('unit', 'The unit cannot change once values are recorded');
  }
  const params: unknown[] = [];
  const set = assignments(
    {
      code: notNull(input.code, 'code'),
      name: trimmed(notNull(input.name, 'name')),
      description: trimmed(input.description),
      unit,
      direction: notNull(input.direction, 'direction'),
      source_language:
        input.sourceLanguage === undefined || input.sourceLanguage === null
          ? notNull(input.sourceLanguage, 'sourceLanguage')
          : await sourceLanguageFor(ctx, current.tenantId, input.sourceLanguage),
    },
    params,
  );
  const updated = await versionedUpdate<Indicator>(ctx, {
    table: 'indicators i',
    alias: 'i',
    entity: 'Indicator',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    set: set.join(', '),
    params,
    returning: INDICATOR_COLUMNS,
    actor: ctx.access.actor,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'UPDATE',
    entityType: 'Indicator',
    entityId: current.id,
    ...auditDiff(current, updated),
  });
  return updated;
}

/** Deletes a tenant indicator no measurement or sharing agreement refers to. */
export async function deleteIndicator(
  ctx: RequestContext,
  input: DeleteRowInput,
): Promise<Indicator> {
  const current = await indicatorToWrite(ctx, input.id, input.expectedVersion);
  const [shared] = await ctx.tx.query(
    `SELECT 1 FROM sharing_agreements WHERE tenant_id = $1 AND $2::uuid = ANY (indicator_ids) LIMIT 1`,
    [current.tenantId, current.id],
  );
  const measured = await measurementCount(ctx, current.tenantId, current.id);
  if (measured > 0 || shared) {
    throw conflict('Measurements or sharing agreements still refer to the indicator', {
      field: 'id',
    });
  }
  const deleted = await versionedDelete<Indicator>(ctx, {
    table: 'indicators i',
    alias: 'i',
    entity: 'Indicator',
    tenantId: current.tenantId,
    id: current.id,
    expectedVersion: input.expectedVersion,
    returning: INDICATOR_COLUMNS,
  });
  await recordAudit(ctx, {
    tenantId: current.tenantId,
    action: 'DELETE',
    entityType: 'Indicator',
    entityId: current.id,
    ...auditDiff(current, null),
  });
  return deleted;
}
