import { ConfigError, loadConfig } from '../../src/config';
import {
  ENUM_LABELS,
  LABELLED_ENUMS,
  LabelledEnum,
} from '../../src/modules/translation/translation.labels';
import {
  BUILT_IN_LANGUAGES,
  configureLanguages,
  defaultSourceLanguage,
  isSupportedLanguage,
  parseExtraLanguages,
  preferenceOrder,
  supportedLanguageOf,
} from '../../src/modules/translation/translation.languages';
import { translateMessage } from '../../src/modules/translation/translation.messages';

describe('languages by configuration (EXTRA_LANGUAGES)', () => {
  afterEach(() => configureLanguages({}));

  it('adds BCP 47 tags with their fallback chains to the six built in', () => {
    expect(parseExtraLanguages('kk:ru,en; kaa-Cyrl:uz-Cyrl,ru,en;')).toEqual({
      kk: ['kk', 'ru', 'en'],
      'kaa-Cyrl': ['kaa-Cyrl', 'uz-Cyrl', 'ru', 'en'],
    });
    // A chain may name a language given before it; none given: only the source text remains.
    expect(parseExtraLanguages('kk; kaa:kk,ru')).toEqual({ kk: ['kk'], kaa: ['kaa', 'kk', 'ru'] });
    configureLanguages(parseExtraLanguages('kk:ru,en'));
    expect(isSupportedLanguage('kk')).toBe(true);
    expect(supportedLanguageOf('kk-KZ')).toBe('kk');
    expect(preferenceOrder(['kk'])).toEqual(['kk', 'ru', 'en']);
    // The built-in chains are untouched: Cyrillic Uzbek still never falls back to Latin.
    expect(preferenceOrder(['uz-Cyrl'])).toEqual(['uz-Cyrl', 'ru', 'en']);
    configureLanguages({});
    expect(isSupportedLanguage('kk')).toBe(false);
  });

  it.each([
    ['en', /built in/],
    ['KK', /written "kk"/],
    ['kk-latn', /written "kk-Latn"/],
    ['kk:fr', /neither built in nor given before/],
    ['kaa:kk; kk', /neither built in nor given before/],
    ['kk;kk', /given twice/],
    ['x', /not a BCP 47 language tag/],
    ['kk-Latn-KZ-x-private', /not a BCP 47 language tag/],
    ['kk:ru:en', /more than one ":"/],
  ])('refuses %p', (value, message) => {
    expect(() => parseExtraLanguages(value)).toThrow(message);
  });

  it('stops the start with a message naming the variable', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', EXTRA_LANGUAGES: 'kk:fr' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', EXTRA_LANGUAGES: 'kk:fr' })).toThrow(
      /EXTRA_LANGUAGES: "kk" falls back to "fr"/,
    );
    expect(loadConfig({ NODE_ENV: 'test', EXTRA_LANGUAGES: 'kk:ru,en' }).extraLanguages).toEqual({
      kk: ['kk', 'ru', 'en'],
    });
    expect(loadConfig({ NODE_ENV: 'test' }).extraLanguages).toEqual({});
  });

  it("takes a tenant's default locale as the default source language when it offers it", () => {
    expect(defaultSourceLanguage('uz', ['en', 'ru', 'uz-Latn', 'uz-Cyrl'])).toBe('uz-Latn');
    expect(defaultSourceLanguage('tg', ['en', 'ru', 'tg'])).toBe('tg');
    expect(defaultSourceLanguage('tg', ['en', 'ru'])).toBe('en');
    expect(defaultSourceLanguage('xx', ['ru', 'ky'])).toBe('ru');
  });
});

describe('enum labels', () => {
  it.each(Object.values(LabelledEnum))(
    '%s: every value has a label in each built-in language',
    (name) => {
      const labels = ENUM_LABELS[name];
      expect(Object.keys(labels).sort()).toEqual(Object.values(LABELLED_ENUMS[name]).sort());
      for (const [value, byLanguage] of Object.entries(labels)) {
        expect({ value, languages: Object.keys(byLanguage).sort() }).toEqual({
          value,
          languages: Object.keys(BUILT_IN_LANGUAGES).sort(),
        });
        for (const label of Object.values(byLanguage)) expect(label.trim()).not.toBe('');
      }
    },
  );
});

describe('client error messages in the request’s language', () => {
  it('translates the catalogue’s messages, keeping their variable parts, and leaves others in English', () => {
    expect(translateMessage('You may not administer tenant TJ', ['tg', 'ru', 'en'])).toBe(
      'Шумо маъмури кишвари TJ нестед',
    );
    expect(
      translateMessage('The tenant does not offer ky; its languages are en, ru, tg', ['ru', 'en']),
    ).toBe('Эта страна не предлагает язык ky; её языки: en, ru, tg');
    expect(translateMessage('title: title must not be empty', ['uz-Cyrl', 'ru', 'en'])).toBe(
      'title майдони бўш бўлмаслиги керак',
    );
    expect(translateMessage('Something new happened', ['ru', 'en'])).toBe('Something new happened');
    expect(translateMessage('You may not administer tenant TJ', ['en'])).toBe(
      'You may not administer tenant TJ',
    );
  });
});
