import { Capability } from '../../auth/access';
import { badUserInput, conflict, forbidden, notFound } from '../../common/errors';
import { param } from '../../common/sql';
import type { RequestContext } from '../../context';
import { type AuditEntry, recordAudit } from '../audit/audit.service';
import {
  checkedSourceLanguage,
  isSupportedLanguage,
  supportedLanguages,
  tenantLanguages,
} from './translation.languages';
import { tenantLanguagesOf } from './translation.loaders';
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

/** One language of one text of a row: set, or with a null value removed. */
export type Change = Readonly<{ field: TranslatedField; language: string; value: string | null }>;

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
        `"${change.language}" is not a supported language (${supportedLanguages().join(', ')})`,
      );
    }
    if (change.language === row.sourceLanguage && change.value !== null) {
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

/** Changes to the translations of one row. */
export type RowChanges = Readonly<{ row: TranslatedRow; changes: readonly Change[] }>;

/** Set-translation tuples per INSERT: 8 parameters each, far below PostgreSQL's 65,535. */
const TUPLES_PER_STATEMENT = 2000;

/**
 * Stores (or with a null value removes) translations of rows of one tenant the principal has
 * just written: one INSERT per 2,000 texts set and one DELETE, whatever the number of rows.
 */
async function applyChanges(
  ctx: RequestContext,
  kind: TranslatableKind,
  rows: readonly RowChanges[],
): Promise<void> {
  const tenantId = rows[0]?.row.tenantId;
  if (tenantId === undefined) return;
  const set = rows.flatMap(({ row, changes }) =>
    changes.filter((c) => c.value !== null).map((c) => ({ row, c })),
  );
  for (let start = 0; start < set.length; start += TUPLES_PER_STATEMENT) {
    const params: unknown[] = [tenantId, kind.entity, ctx.access.actor];
    // VALUES, not INSERT … SELECT: Citus would make the latter a COPY, which RLS refuses.
    // EXCLUDED.updated_at (its default, now()) rather than now(): Citus allows only IMMUTABLE
    // functions in DO UPDATE SET.
    const tuples = set.slice(start, start + TUPLES_PER_STATEMENT).map(({ row, c }) => {
      const p = (value: unknown) => param(params, value);
      const target = (entity: TranslatableEntity, value: string | undefined) =>
        `${p(kind.entity === entity ? (value ?? row.id) : null)}::uuid`;
      const project =
        kind.entity === TranslatableEntity.PROJECT || kind.entity === TranslatableEntity.ACTIVITY
          ? `${p(row.projectId ?? row.id)}::uuid`
          : 'NULL::uuid';
      return (
        `($1::uuid, $2, ${p(row.id)}::uuid, ${p(c.field)}, ${p(c.language)}, ${p(c.value)}, ` +
        `${project}, ${target(TranslatableEntity.COMMUNITY, row.id)}, ` +
        `${target(TranslatableEntity.ACTIVITY, row.id)}, ` +
        `${target(TranslatableEntity.INDICATOR, row.id)}, $3, $3)`
      );
    });
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
  const removed = rows.flatMap(({ row, changes }) =>
    changes.filter((c) => c.value === null).map((c) => ({ id: row.id, c })),
  );
  if (removed.length > 0) {
    await ctx.tx.query(
      `DELETE FROM translations t
       USING unnest($3::uuid[], $4::text[], $5::text[]) AS k (entity_id, field, language)
       WHERE t.tenant_id = $1 AND t.entity_type = $2 AND t.entity_id = k.entity_id
         AND t.field = k.field AND t.language = k.language`,
      [
        tenantId,
        kind.entity,
        removed.map((r) => r.id),
        removed.map((r) => r.c.field),
        removed.map((r) => r.c.language),
      ],
    );
  }
}

const asObject = (list: readonly Translation[]) =>
  Object.fromEntries(list.map((t) => [`${t.field}.${t.language}`, t.value]));

/**
 * The source language a write of a tenant's row gives, checked against the languages the
 * tenant offers (BAD_USER_INPUT naming `field`); none given: the tenant's default language.
 */
export async function sourceLanguageFor(
  ctx: RequestContext,
  tenantId: string,
  given: string | null | undefined,
  field = 'sourceLanguage',
): Promise<string> {
  const languages = await tenantLanguagesOf(ctx).load(tenantId);
  return checkedSourceLanguage(given, languages ?? tenantLanguages('en', ['en']), field);
}

/** An input's translations as changes, each with its field (by default the row's name). */
export function translationChanges(
  kind: TranslatableKind,
  inputs: readonly TranslationInput[] | null | undefined,
): Change[] {
  return (inputs ?? []).map((i) => ({
    field: i.field ?? DEFAULT_FIELD[kind.entity] ?? TranslatedField.NAME,
    language: i.language,
    value: i.value,
  }));
}

/**
 * Refuses a new source language that a stored translation is already in, unless the same
 * write removes that translation: the source text and a translation in one language would
 * contradict each other, and dropping the translation silently would lose someone's text.
 */
function refuseSourceClash(
  kind: TranslatableKind,
  row: TranslatedRow,
  stored: readonly Translation[],
  changes: readonly Change[],
): void {
  const clash = stored.find(
    (t) =>
      t.language === row.sourceLanguage &&
      !changes.some((c) => c.field === t.field && c.language === t.language && c.value === null),
  );
  if (clash) {
    throw badUserInput(
      'sourceLanguage',
      `The ${kind.typeName}'s ${clash.field} has a ${clash.language} translation; remove it in the same write (translations: [{ language: "${clash.language}", value: null }]) to make ${clash.language} the source language`,
    );
  }
}

async function checkNewSourceLanguage(
  ctx: RequestContext,
  kind: TranslatableKind,
  row: TranslatedRow,
  changes: readonly Change[],
): Promise<void> {
  refuseSourceClash(kind, row, await storedOf(ctx, kind, row, Object.keys(kind.fields)), changes);
}

/** The stored translations of rows of one tenant, by row id (one statement). */
export async function storedTranslations(
  ctx: RequestContext,
  kind: TranslatableKind,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, Translation[]>> {
  const byId = new Map<string, Translation[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byId;
  const rows = await ctx.tx.query<Translation & { id: string }>(
    `SELECT entity_id AS id, field, language, value FROM translations
     WHERE tenant_id = $1 AND entity_type = $2 AND entity_id = ANY ($3::uuid[])
     ORDER BY entity_id, field, language`,
    [tenantId, kind.entity, ids],
  );
  for (const { id, ...t } of rows) byId.get(id)?.push(t);
  return byId;
}

/**
 * An import item's translations for its row, checked as those of a single write are (and,
 * when the item changes the row's source language, against its stored translations `stored`).
 * Throws BAD_USER_INPUT naming the field, which the import reports as the item's.
 */
export function checkedItemTranslations(
  kind: TranslatableKind,
  row: TranslatedRow,
  inputs: readonly TranslationInput[] | null | undefined,
  stored: readonly Translation[],
  sourceChanged: boolean,
): Change[] {
  const given = translationChanges(kind, inputs);
  if (sourceChanged) refuseSourceClash(kind, row, stored, given);
  return checkedChanges(kind, row, given, 'translations');
}

/** Whether `changes` would change the stored translations `stored` of a row. */
export function changesTranslations(
  stored: readonly Translation[],
  changes: readonly Change[],
): boolean {
  return changes.some((c) => {
    const current = stored.find((t) => t.field === c.field && t.language === c.language);
    return (current?.value ?? null) !== c.value;
  });
}

/**
 * Writes the translations of rows an import has just written, set-based, and returns their
 * audit entries (TRANSLATE, the translations before and after) for the import's one INSERT.
 */
export async function writeItemTranslations(
  ctx: RequestContext,
  kind: TranslatableKind,
  items: readonly (RowChanges & {
    before: readonly Translation[];
    audit: Pick<AuditEntry, 'organisationId' | 'details'>;
  })[],
): Promise<AuditEntry[]> {
  const changed = items.filter((i) => changesTranslations(i.before, i.changes));
  await applyChanges(ctx, kind, changed);
  return changed.map(({ row, changes, before, audit }) => {
    const after = new Map(before.map((t) => [`${t.field}.${t.language}`, t.value]));
    for (const c of changes) {
      if (c.value === null) after.delete(`${c.field}.${c.language}`);
      else after.set(`${c.field}.${c.language}`, c.value);
    }
    return {
      tenantId: row.tenantId,
      action: 'TRANSLATE',
      entityType: kind.typeName,
      entityId: row.id,
      projectId: row.projectId ?? null,
      ...audit,
      before: { translations: asObject(before) },
      after: {
        translations: Object.fromEntries([...after].sort(([a], [b]) => a.localeCompare(b))),
      },
    };
  });
}

/**
 * The `translations` of a create or update input, stored for the row that mutation has just
 * written (which proved the principal may write it; its version already counts the change),
 * and audited as a change of the row's translations. `sourceChanged`: the write changed the
 * row's source language (checked against its stored translations).
 */
export async function saveTranslations(
  ctx: RequestContext,
  kind: TranslatableKind,
  row: TranslatedRow,
  inputs: readonly TranslationInput[] | null | undefined,
  sourceChanged = false,
): Promise<void> {
  const given = translationChanges(kind, inputs);
  if (sourceChanged) await checkNewSourceLanguage(ctx, kind, row, given);
  if (given.length === 0) return;
  const changes = checkedChanges(kind, row, given, 'translations');
  const fields = [...new Set(changes.map((c) => c.field))];
  const before = await storedOf(ctx, kind, row, fields);
  await applyChanges(ctx, kind, [{ row, changes }]);
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
  await applyChanges(ctx, kind, [{ row, changes }]);
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
