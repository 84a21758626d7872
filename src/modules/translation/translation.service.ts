import { Capability } from '../../auth/access';
import { badUserInput, conflict, forbidden, notFound } from '../../common/errors';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { recordAudit } from '../audit/audit.service';
import { isSupportedLanguage } from './translation.languages';
import {
  TRANSLATABLE,
  TranslatableEntity,
  type TranslatableKind,
  TranslatedField,
} from './translation.kinds';
import type { SetTranslationsInput, Translation, TranslationInput } from './translation.type';

/*
 * Writing translations. A translation is a change of the row it translates: who may write
 * the row may translate it (partners: the activities of their projects), nobody else, and
 * the row's version and audit log record it like any other change. No text is translated
 * that has no source text, and a translation never replaces the source itself.
 */

/** A written row, as its translations need it. */
export type TranslatedRow = Readonly<{
  tenantId: string;
  id: string;
  projectId?: string;
  sourceLanguage: string;
  texts: Readonly<Partial<Record<TranslatedField, string | null>>>;
}>;

type Change = Readonly<{ field: TranslatedField; language: string; value: string | null }>;

const DEFAULT_FIELD: Readonly<Partial<Record<TranslatableEntity, TranslatedField>>> = {
  [TranslatableEntity.ACTIVITY]: TranslatedField.TITLE,
};

/** Refuses what may not be stored: unknown languages or fields, the source's own language, no source text. */
function checkedChanges(
  kind: TranslatableKind,
  row: TranslatedRow,
  changes: readonly Change[],
  at: string,
): Change[] {
  const seen = new Set<string>();
  for (const change of changes) {
    if (!(change.field in kind.fields)) {
      throw badUserInput(`${at}.field`, `A ${kind.typeName} has no ${change.field} to translate`);
    }
    if (!isSupportedLanguage(change.language)) {
      throw badUserInput(
        `${at}.language`,
        `"${change.language}" is not a supported language (en, ru, tg, ky, uz-Latn, uz-Cyrl)`,
      );
    }
    if (change.language === row.sourceLanguage) {
      throw badUserInput(
        `${at}.language`,
        `The source text is in ${row.sourceLanguage}; change it in the ${kind.typeName} itself`,
      );
    }
    const key = `${change.field}:${change.language}`;
    if (seen.has(key)) throw badUserInput(`${at}.language`, `${change.language} is given twice`);
    seen.add(key);
    if (change.value !== null && (change.value.length === 0 || change.value.length > 4000)) {
      throw badUserInput(`${at}.value`, 'A translation has 1 to 4000 characters');
    }
    if (change.value !== null && (row.texts[change.field] ?? null) === null) {
      throw badUserInput(`${at}.field`, `The ${change.field} has no source text to translate`);
    }
  }
  return [...changes];
}

/** The stored translations of some texts of a row. */
async function storedOf(
  ctx: RequestContext,
  kind: TranslatableKind,
  row: TranslatedRow,
  fields: readonly string[],
): Promise<Translation[]> {
  return ctx.tx.query<Translation>(
    `SELECT field, language, value FROM translations
     WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3 AND field = ANY ($4::text[])
     ORDER BY field, language`,
    [row.tenantId, kind.entity, row.id, fields],
  );
}

/** Stores (or with a null value removes) translations of a row the principal has just written. */
async function applyChanges(
  ctx: RequestContext,
  kind: TranslatableKind,
  row: TranslatedRow,
  changes: readonly Change[],
): Promise<void> {
  const set = changes.filter((c) => c.value !== null);
  const removed = changes.filter((c) => c.value === null);
  if (set.length > 0) {
    const params: unknown[] = [
      row.tenantId,
      kind.entity,
      row.id,
      kind.entity === TranslatableEntity.PROJECT || kind.entity === TranslatableEntity.ACTIVITY
        ? (row.projectId ?? row.id)
        : null,
      kind.entity === TranslatableEntity.COMMUNITY ? row.id : null,
      kind.entity === TranslatableEntity.ACTIVITY ? row.id : null,
      kind.entity === TranslatableEntity.INDICATOR ? row.id : null,
      ctx.access.actor,
    ];
    // VALUES, not INSERT … SELECT: Citus would make the latter a COPY, which RLS refuses.
    // EXCLUDED.updated_at (its default, now()) rather than now(): Citus allows only IMMUTABLE
    // functions in DO UPDATE SET.
    const tuples = set.map(
      (c) =>
        `($1::uuid, $2, $3::uuid, ${param(params, c.field)}, ${param(params, c.language)}, ` +
        `${param(params, c.value)}, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8, $8)`,
    );
    await ctx.tx.query(
      `INSERT INTO translations AS t (tenant_id, entity_type, entity_id, field, language, value,
         project_id, community_id, activity_id, indicator_id, created_by, updated_by)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (tenant_id, entity_type, entity_id, field, language)
       DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at,
         updated_by = EXCLUDED.updated_by`,
      params,
    );
  }
  for (const field of new Set(removed.map((c) => c.field))) {
    await ctx.tx.query(
      `DELETE FROM translations
       WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = $3 AND field = $4
         AND language = ANY ($5::text[])`,
      [
        row.tenantId,
        kind.entity,
        row.id,
        field,
        removed.filter((c) => c.field === field).map((c) => c.language),
      ],
    );
  }
}

const asObject = (list: readonly Translation[]) =>
  Object.fromEntries(list.map((t) => [`${t.field}.${t.language}`, t.value]));

/**
 * The `translations` of a create or update input, stored for the row that mutation has just
 * written (which proved the principal may write it; its version already counts the change),
 * and audited as a change of the row's translations.
 */
export async function saveTranslations(
  ctx: RequestContext,
  kind: TranslatableKind,
  row: TranslatedRow,
  inputs: readonly TranslationInput[] | null | undefined,
): Promise<void> {
  if (!inputs || inputs.length === 0) return;
  const changes = checkedChanges(
    kind,
    row,
    inputs.map((i) => ({
      field: i.field ?? DEFAULT_FIELD[kind.entity] ?? TranslatedField.NAME,
      language: i.language,
      value: i.value,
    })),
    'translations',
  );
  const fields = [...new Set(changes.map((c) => c.field))];
  const before = await storedOf(ctx, kind, row, fields);
  await applyChanges(ctx, kind, row, changes);
  const after = await storedOf(ctx, kind, row, fields);
  await recordAudit(ctx, {
    tenantId: row.tenantId,
    action: 'TRANSLATE',
    entityType: kind.typeName,
    entityId: row.id,
    before: { translations: asObject(before) },
    after: { translations: asObject(after) },
  });
}

/**
 * The statement that bumps a row's version if the principal may write it and (when given)
 * it is at the expected version, returning what translating it needs.
 */
function bumpVersion(
  ctx: RequestContext,
  kind: TranslatableKind,
  id: string,
  expectedVersion: number | null,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [id, expectedVersion, ctx.access.actor];
  const texts = Object.values(kind.fields).map((column) => `e.${column} AS "${column}"`);
  const write =
    kind.entity === TranslatableEntity.ACTIVITY
      ? ctx.access.rowWriteSql('e', params, false)
      : ctx.access.tenantScopeSql(Capability.TENANT_WRITE, 'e.tenant_id', params);
  return {
    sql: `UPDATE ${kind.table} e SET version = e.version + 1, updated_at = now(), updated_by = $3
      WHERE e.id = $1 AND ($2::int IS NULL OR e.version = $2::int) AND ${write}
      RETURNING e.tenant_id AS "tenantId", e.id, e.version, e.source_language AS "sourceLanguage",
        ${kind.entity === TranslatableEntity.ACTIVITY ? 'e.project_id AS "projectId",' : ''} ${texts.join(', ')}`,
    params,
  };
}

/** Whether the principal sees the row (to tell NOT_FOUND from FORBIDDEN and CONFLICT). */
async function visibleVersion(
  ctx: RequestContext,
  kind: TranslatableKind,
  id: string,
): Promise<number | null> {
  const params: unknown[] = [id];
  const visible =
    kind.entity === TranslatableEntity.PROJECT
      ? ctx.access.projectVisibleSql('e.tenant_id', 'e.id', params)
      : kind.entity === TranslatableEntity.ACTIVITY
        ? `e.deleted_at IS NULL AND ${ctx.access.projectVisibleSql('e.tenant_id', 'e.project_id', params)}`
        : kind.entity === TranslatableEntity.COMMUNITY
          ? ctx.access.communityVisibleSql('e.tenant_id', 'e.id', params)
          : ctx.access.indicatorVisibleSql('e.tenant_id', params);
  const [row] = await ctx.tx.query<{ version: number }>(
    `SELECT e.version FROM ${kind.table} e WHERE e.id = $1 AND ${visible}`,
    params,
  );
  return row?.version ?? null;
}

/** setTranslations: some languages of one text of one row, as a versioned, audited change. */
export async function setTranslations(
  ctx: RequestContext,
  input: SetTranslationsInput,
): Promise<{ id: string; version: number; sourceLanguage: string; translations: Translation[] }> {
  const kind = TRANSLATABLE[input.entity];
  if (kind.global) {
    throw forbidden(
      `${kind.typeName} names are global; they are translated by the platform's operators`,
    );
  }
  const { sql, params } = bumpVersion(ctx, kind, input.id, input.expectedVersion ?? null);
  const [written] = await ctx.tx.query<
    TranslatedRow & { version: number } & Record<string, string | null>
  >(sql, params);
  if (!written) {
    const version = await visibleVersion(ctx, kind, input.id);
    if (version === null) throw notFound(kind.typeName);
    if (
      input.expectedVersion !== undefined &&
      input.expectedVersion !== null &&
      version !== input.expectedVersion
    ) {
      throw conflict(
        `The ${kind.typeName} has changed since the version you read; reload it and retry`,
        {
          field: 'expectedVersion',
          currentVersion: version,
        },
      );
    }
    throw forbidden(`You may not translate this ${kind.typeName}`);
  }
  const row: TranslatedRow = {
    tenantId: written.tenantId,
    id: written.id,
    projectId: written.projectId,
    sourceLanguage: written.sourceLanguage,
    texts: Object.fromEntries(
      Object.entries(kind.fields).map(([field, column]) => [field, written[column] ?? null]),
    ),
  };
  const changes = checkedChanges(
    kind,
    row,
    input.values.map((v) => ({ field: input.field, language: v.language, value: v.value })),
    'values',
  );
  const before = await storedOf(ctx, kind, row, [input.field]);
  await applyChanges(ctx, kind, row, changes);
  const after = await storedOf(ctx, kind, row, [input.field]);
  await recordAudit(ctx, {
    tenantId: row.tenantId,
    action: 'TRANSLATE',
    entityType: kind.typeName,
    entityId: row.id,
    before: { version: written.version - 1, translations: asObject(before) },
    after: { version: written.version, translations: asObject(after) },
  });
  return {
    id: row.id,
    version: written.version,
    sourceLanguage: row.sourceLanguage,
    translations: after,
  };
}

/** A row as a create or update returned it, as `saveTranslations` takes it. */
export function writtenRow(
  kind: TranslatableKind,
  row: Readonly<{
    tenantId: string | null;
    id: string;
    projectId?: string;
    sourceLanguage?: string;
  }>,
): TranslatedRow {
  const values = row as unknown as Record<string, string | null | undefined>;
  return {
    tenantId: row.tenantId ?? '',
    id: row.id,
    projectId: row.projectId,
    sourceLanguage: row.sourceLanguage ?? 'en',
    texts: Object.fromEntries(
      Object.entries(kind.fields).map(([field, column]) => [field, values[column] ?? null]),
    ),
  };
}
