import type { MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../../context';
import { type Chosen, chooseText, DEFAULT_LANGUAGE } from './translation.languages';
import type { TranslatableKind, TranslatableRow, TranslatedField } from './translation.kinds';
import { storedTexts } from './translation.loaders';
import { requestLanguage } from './translation.locale';

/**
 * The text one field of one row answers in this request: the request's languages tried in
 * order (see `chooseText`), the row's own text as the last resort. A row without source text
 * has no translation either. When the request asks for no language (texts as written, each
 * saying its language) or the first one it tries is the source's, nothing is loaded.
 */
export async function chosenText(
  ctx: RequestContext,
  kind: TranslatableKind,
  field: TranslatedField,
  row: TranslatableRow,
  source: string | null | undefined,
): Promise<Chosen | null> {
  if (source === null || source === undefined) return null;
  const own: Chosen = { value: source, language: row.sourceLanguage ?? DEFAULT_LANGUAGE };
  const { order } = requestLanguage(ctx);
  // A request that asks for no language gets the texts as written, each saying its language.
  if (order.length === 0 || order[0] === own.language) return own;
  const stored = await storedTexts(ctx, kind).load(row);
  return chooseText(order, null, own, stored.get(field) ?? new Map());
}

/** Middleware of a translated field: its value in the request's language. */
export function Translated(
  kind: TranslatableKind,
  field: TranslatedField,
): MiddlewareFn<RequestContext> {
  return async ({ root, context }, next) => {
    const source = (await next()) as string | null | undefined;
    const chosen = await chosenText(context, kind, field, root as TranslatableRow, source);
    return chosen ? chosen.value : source;
  };
}

/** Middleware of a `…Language` field: the language its translated field answered in. */
export function AnsweredIn(
  kind: TranslatableKind,
  field: TranslatedField,
): MiddlewareFn<RequestContext> {
  // The source columns (name, description, title) are also the rows' property names.
  const property = kind.fields[field]!;
  return async ({ root, context }) => {
    const row = root as TranslatableRow & Record<string, unknown>;
    const chosen = await chosenText(context, kind, field, row, row[property] as string | null);
    return chosen?.language ?? null;
  };
}
