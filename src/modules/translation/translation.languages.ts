import { match } from '@formatjs/intl-localematcher';
import { badUserInput } from '../../common/errors';

/**
 * The languages names are offered in, and where each falls back to when a row has no text
 * in it. Six are built in; a deployment adds more with `EXTRA_LANGUAGES` (see
 * `configureLanguages`), and each tenant offers those of them it enables
 * (`tenants.enabled_languages`); the database accepts any tag of the same shape.
 *
 * The chains are explicit because the CLDR ones are wrong for these readers: CLDR's parent of
 * `uz-Cyrl` is root, and a "best fit" matcher offered `uz-Latn` for `uz-Cyrl` takes it.
 * Readers of Cyrillic Uzbek, Tajik and Kyrgyz read Russian; no one who asked for Cyrillic is
 * given Latin (or the reverse) except as the row's own source text, said as such.
 */
export const BUILT_IN_LANGUAGES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  en: ['en'],
  ru: ['ru', 'en'],
  tg: ['tg', 'ru', 'en'],
  ky: ['ky', 'ru', 'en'],
  'uz-Latn': ['uz-Latn', 'ru', 'en'],
  'uz-Cyrl': ['uz-Cyrl', 'ru', 'en'],
});

/** The languages in force: the built-in ones and those the configuration adds. */
let languages: Readonly<Record<string, readonly string[]>> = BUILT_IN_LANGUAGES;
let supported: readonly string[] = Object.keys(languages);

/** Every supported language tag, the built-in ones first. */
export function supportedLanguages(): readonly string[] {
  return supported;
}

/** A supported language's chain: itself, then where it falls back to (empty if unknown). */
export function fallbackChain(language: string): readonly string[] {
  return Object.prototype.hasOwnProperty.call(languages, language) ? languages[language]! : [];
}

/**
 * Adds the configured languages (`EXTRA_LANGUAGES`, parsed by `parseExtraLanguages`) to the
 * built-in ones; called once at start, before any request. Calling it again replaces the
 * extra languages (tests).
 */
export function configureLanguages(extra: Readonly<Record<string, readonly string[]>>): void {
  languages = Object.freeze({ ...BUILT_IN_LANGUAGES, ...extra });
  supported = Object.keys(languages);
}

/**
 * `EXTRA_LANGUAGES`: entries separated by `;`, each a BCP 47 tag, optionally `:` and the
 * languages it falls back to, in order (`kk:ru,en; kaa-Cyrl:uz-Cyrl,ru,en`). Each tag must
 * be canonical (as Intl.getCanonicalLocales writes it) and of the shape the database
 * accepts, not built in nor given twice; each fallback a built-in language or one given
 * earlier. Throws an Error whose message says what is wrong.
 */
export function parseExtraLanguages(value: string): Record<string, string[]> {
  const extra: Record<string, string[]> = {};
  for (const entry of value.split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const [tagPart, chainPart, ...rest] = entry.split(':').map((p) => p.trim());
    const tag = tagPart ?? '';
    if (rest.length > 0) throw new Error(`"${entry}" has more than one ":"`);
    let canonical: string | undefined;
    try {
      canonical = Intl.getCanonicalLocales(tag)[0];
    } catch {
      canonical = undefined;
    }
    if (canonical && canonical !== tag)
      throw new Error(`"${tag}" is written "${canonical}" in BCP 47`);
    if (!canonical || !LANGUAGE_TAG.test(tag)) {
      throw new Error(
        `"${tag}" is not a BCP 47 language tag (language, optional script and region)`,
      );
    }
    if (tag in BUILT_IN_LANGUAGES) throw new Error(`"${tag}" is built in already`);
    if (tag in extra) throw new Error(`"${tag}" is given twice`);
    const fallbacks = (chainPart ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    for (const fallback of fallbacks) {
      if (!(fallback in BUILT_IN_LANGUAGES) && !(fallback in extra)) {
        throw new Error(
          `"${tag}" falls back to "${fallback}", which is neither built in nor given before it`,
        );
      }
    }
    extra[tag] = [tag, ...fallbacks.filter((f, i) => f !== tag && fallbacks.indexOf(f) === i)];
  }
  return extra;
}

/** The language of a request that asks for none. */
export const DEFAULT_LANGUAGE = 'en';

/**
 * The language a tenant's rows are written in when a write does not say: the tenant's
 * default locale (`uz` reads as `uz-Latn`) if the tenant offers it, otherwise English if
 * offered, otherwise the first language it offers.
 */
export function defaultSourceLanguage(defaultLocale: string, enabled: readonly string[]): string {
  const language = supportedLanguageOf(defaultLocale);
  if (language !== null && enabled.includes(language)) return language;
  if (enabled.includes(DEFAULT_LANGUAGE) || enabled.length === 0) return DEFAULT_LANGUAGE;
  return enabled[0]!;
}

/** What a tenant offers: its enabled languages, and the one its texts are in by default. */
export type TenantLanguages = Readonly<{ enabled: readonly string[]; default: string }>;

export function tenantLanguages(
  defaultLocale: string,
  enabled: readonly string[],
): TenantLanguages {
  return { enabled, default: defaultSourceLanguage(defaultLocale, enabled) };
}

/**
 * The source language a write gives (or, when it gives none, the tenant's default), checked:
 * a supported language the tenant offers. Throws BAD_USER_INPUT naming `field`.
 */
export function checkedSourceLanguage(
  given: string | null | undefined,
  languages: TenantLanguages,
  field = 'sourceLanguage',
): string {
  if (given === null || given === undefined) return languages.default;
  if (!isSupportedLanguage(given)) {
    throw badUserInput(
      field,
      `"${given}" is not a supported language (${supportedLanguages().join(', ')})`,
    );
  }
  if (!languages.enabled.includes(given)) {
    throw badUserInput(
      field,
      `The tenant does not offer ${given}; its languages are ${languages.enabled.join(', ')}`,
    );
  }
  return given;
}

/** The shape of a language tag the database accepts (its CHECK constraints say the same). */
export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$/;

/** The same shape as a CHECK expression (entities repeat the migration's constraints). */
export const SOURCE_LANGUAGE_CHECK = `source_language ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'`;

/** Whether `tag` is one of the supported languages, exactly as written here. */
export function isSupportedLanguage(tag: string): boolean {
  return Object.prototype.hasOwnProperty.call(languages, tag);
}

const NO_MATCH = 'und';

/**
 * The supported language a requested tag means (`uz-Cyrl-UZ` → `uz-Cyrl`, `uz` → `uz-Latn`,
 * `ru-RU` → `ru`), by @formatjs/intl-localematcher's best fit against the whole supported
 * list (so that a script given is a script kept), or null.
 */
export function supportedLanguageOf(tag: string): string | null {
  let canonical: string;
  try {
    canonical = Intl.getCanonicalLocales(tag)[0]!;
  } catch {
    return null;
  }
  const found = match([canonical], supported, NO_MATCH, { algorithm: 'best fit' });
  return found === NO_MATCH ? null : found;
}

/**
 * An Accept-Language header's tags, best first (RFC 9110: q-values, equal ones in the order
 * given; q=0 means "not this"). Malformed entries are skipped, never an error.
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .slice(0, 20)
    .map((entry, index) => {
      const [tag, ...params] = entry.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag: (tag ?? '').trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((e) => e.tag !== '' && e.tag !== '*' && e.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((e) => e.tag);
}

/**
 * The order in which a request's languages are tried: each requested language with its
 * chain, in the order asked (`uz-Cyrl, ru;q=0.8` → uz-Cyrl, ru, en). Empty when nothing asked
 * for is supported.
 */
export function preferenceOrder(requested: readonly string[]): string[] {
  const order: string[] = [];
  for (const tag of requested) {
    const language = supportedLanguageOf(tag);
    if (language === null) continue;
    for (const next of fallbackChain(language)) if (!order.includes(next)) order.push(next);
  }
  return order;
}

/** Where a text was found: in a language of the chain, or the row's source text. */
export type Chosen = Readonly<{ value: string; language: string }>;

/**
 * The text to answer for one field of one row: the first language of `order` that the row's
 * tenant offers and the row has (its source text counts in its own language); when none, the
 * source text. `order` empty (nothing asked) reads as the default language.
 */
export function chooseText(
  order: readonly string[],
  enabled: readonly string[] | null,
  source: Chosen | null,
  translations: ReadonlyMap<string, string>,
): Chosen | null {
  const tried = order.length > 0 ? order : fallbackChain(DEFAULT_LANGUAGE);
  for (const language of tried) {
    if (enabled && !enabled.includes(language) && language !== source?.language) continue;
    if (source && source.language === language) return source;
    const value = translations.get(language);
    if (value !== undefined) return { value, language };
  }
  return source;
}
