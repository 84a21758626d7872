import type { ClientBase } from 'pg';
import { SEED_IDS } from './programme';

/*
 * The seed's names in Russian and in each country's language, written for this programme:
 * Tajik and Kyrgyz in Cyrillic, Uzbek in both its Latin and Cyrillic scripts. Community and
 * partner names keep their own script as their source text (a Tajik village's name is Tajik);
 * project and indicator names are English at source. Run inside seedProgramme's transaction,
 * as the database owner; idempotent like the rest of the seed.
 */

type Texts = Readonly<Record<string, string>>;

/** The data, built on first use (seeds/programme.ts imports this module before its ids exist). */
function seedData() {
  const T = SEED_IDS.tenants;
  const P = SEED_IDS.projects;
  const C = SEED_IDS.communities;
  const I = SEED_IDS.indicators;
  const O = SEED_IDS.organisations;

  /** The languages each country office works in (matched against each request's). */
  const ENABLED: Readonly<Record<string, readonly string[]>> = {
    [T.TJ]: ['en', 'ru', 'tg'],
    [T.KG]: ['en', 'ru', 'ky'],
    [T.UZ]: ['en', 'ru', 'uz-Latn', 'uz-Cyrl'],
  };

  const LWD_NAME = {
    ru: 'Жизнь с достоинством',
    tg: 'Зиндагӣ бо шаъну шараф',
    ky: 'Кадыр-барк менен жашоо',
    'uz-Latn': 'Qadr-qimmat bilan yashash',
    'uz-Cyrl': 'Қадр-қиммат билан яшаш',
  };

  const PROJECTS: readonly [string, string, Texts, Texts][] = [
    [
      T.TJ,
      P.TJ,
      { ru: LWD_NAME.ru, tg: LWD_NAME.tg },
      {
        ru:
          'Профилактика домашнего насилия в целевых сельских сообществах Хатлона и Согда: ' +
          'семейные тренинги, диалоги в сообществах, группы сбережений и психосоциальная поддержка.',
        tg:
          'Пешгирии зӯроварии хонаводагӣ дар ҷамоатҳои деҳоти Хатлон ва Суғд: омӯзишҳои оилавӣ, ' +
          'гуфтугӯ дар ҷамоат, гурӯҳҳои пасандоз ва дастгирии равонӣ-иҷтимоӣ.',
      },
    ],
    [
      T.TJ,
      P.tjPilot,
      {
        ru: 'Пилотный проект «Устойчивость семьи» (Согд)',
        tg: 'Лоиҳаи озмоишии «Устувории оила» (Суғд)',
      },
      {},
    ],
    [
      T.KG,
      P.KG,
      { ru: LWD_NAME.ru, ky: LWD_NAME.ky },
      {
        ru:
          'Метод «Жизнь с достоинством», адаптированный для работы с религиозными лидерами ' +
          'и обучения их общин на юге Кыргызстана.',
        ky:
          '«Кадыр-барк менен жашоо» ыкмасы диний лидерлер менен иштөөгө жана Кыргызстандын ' +
          'түштүгүндөгү алардын жамааттарын окутууга ылайыкталган.',
      },
    ],
    [
      T.UZ,
      P.UZ,
      { ru: LWD_NAME.ru, 'uz-Latn': LWD_NAME['uz-Latn'], 'uz-Cyrl': LWD_NAME['uz-Cyrl'] },
      {
        ru:
          'Внедрение методики «Жизнь с достоинством» в Узбекистане с опорой на опыт ' +
          'Таджикистана и Кыргызстана.',
        'uz-Latn':
          '«Qadr-qimmat bilan yashash» uslubini Tojikiston va Qirgʻiziston tajribasi asosida ' +
          'Oʻzbekistonda joriy etish.',
        'uz-Cyrl':
          '«Қадр-қиммат билан яшаш» услубини Тожикистон ва Қирғизистон тажрибаси асосида ' +
          'Ўзбекистонда жорий этиш.',
      },
    ],
  ];

  /** Communities: [tenant, id, seeded name, its language, other languages]. */
  const COMMUNITIES: readonly [string, string, string, string, Texts][] = [
    [T.TJ, C.tjNavobod, 'Навобод', 'tg', { ru: 'Навобод', en: 'Navobod' }],
    [T.TJ, C.tjDusti, 'Дӯстӣ', 'tg', { ru: 'Дусти', en: 'Dusti' }],
    [T.TJ, C.tjGulshan, 'Gulshan', 'en', { ru: 'Гулшан', tg: 'Гулшан' }],
    [T.TJ, C.tjIstiqlol, 'Истиқлол', 'tg', { ru: 'Истиклол', en: 'Istiqlol' }],
    [T.TJ, C.tjZarafshon, 'Zarafshon', 'en', { ru: 'Зарафшан', tg: 'Зарафшон' }],
    [T.KG, C.kgJanyJol, 'Жаңы-Жол', 'ky', { ru: 'Джаны-Джол', en: 'Jany-Jol' }],
    [T.KG, C.kgAkTerek, 'Ак-Терек', 'ky', { ru: 'Ак-Терек', en: 'Ak-Terek' }],
    [T.KG, C.kgYntymak, 'Ынтымак', 'ky', { ru: 'Ынтымак', en: 'Yntymak' }],
    [T.KG, C.kgSadovoe, 'Садовое', 'ru', { ky: 'Садовое', en: 'Sadovoe' }],
    [
      T.UZ,
      C.uzYangiobod,
      'Yangiobod',
      'uz-Latn',
      { 'uz-Cyrl': 'Янгиобод', ru: 'Янгиабад', en: 'Yangiobod' },
    ],
    [
      T.UZ,
      C.uzNavbahor,
      'Навбаҳор',
      'uz-Cyrl',
      { 'uz-Latn': 'Navbahor', ru: 'Навбахор', en: 'Navbahor' },
    ],
  ];

  /** Global rows: [entity type, id, texts of its name]. */
  const GLOBAL: readonly [string, string, Texts][] = [
    [
      'tenant',
      T.TJ,
      {
        ru: 'Таджикистан',
        tg: 'Тоҷикистон',
        ky: 'Тажикстан',
        'uz-Latn': 'Tojikiston',
        'uz-Cyrl': 'Тожикистон',
      },
    ],
    [
      'tenant',
      T.KG,
      {
        ru: 'Кыргызстан',
        tg: 'Қирғизистон',
        ky: 'Кыргызстан',
        'uz-Latn': 'Qirgʻiziston',
        'uz-Cyrl': 'Қирғизистон',
      },
    ],
    [
      'tenant',
      T.UZ,
      {
        ru: 'Узбекистан',
        tg: 'Ӯзбекистон',
        ky: 'Өзбекстан',
        'uz-Latn': 'Oʻzbekiston',
        'uz-Cyrl': 'Ўзбекистон',
      },
    ],
    [
      'indicator',
      I.DV_PREVALENCE,
      {
        ru: 'Распространённость домашнего насилия',
        tg: 'Паҳншавии зӯроварии хонаводагӣ',
        ky: 'Үй-бүлөлүк зомбулуктун таралышы',
        'uz-Latn': 'Oiladagi zoʻravonlikning tarqalganligi',
        'uz-Cyrl': 'Оиладаги зўравонликнинг тарқалганлиги',
      },
    ],
    [
      'indicator',
      I.WOMEN_MOBILITY,
      {
        ru: 'Свобода передвижения женщин',
        tg: 'Озодии рафтуомади занон',
        ky: 'Аялдардын эркин жүрүп-туруусу',
        'uz-Latn': 'Ayollarning erkin harakatlanishi',
        'uz-Cyrl': 'Аёлларнинг эркин ҳаракатланиши',
      },
    ],
    [
      'indicator',
      I.FAMILY_SAVINGS,
      {
        ru: 'Семейные сбережения',
        tg: 'Пасандози оила',
        ky: 'Үй-бүлөнүн жыйнагы',
        'uz-Latn': 'Oilaviy jamgʻarma',
        'uz-Cyrl': 'Оилавий жамғарма',
      },
    ],
    [
      'indicator',
      I.MENTAL_WELLBEING,
      {
        ru: 'Психическое благополучие',
        tg: 'Солимии равонӣ',
        ky: 'Психикалык саламаттык',
        'uz-Latn': 'Ruhiy salomatlik',
        'uz-Cyrl': 'Руҳий саломатлик',
      },
    ],
    [
      'indicator',
      I.COMMUNITY_COHESION,
      {
        ru: 'Сплочённость сообщества',
        tg: 'Ҳамбастагии ҷамоат',
        ky: 'Жамааттын ынтымагы',
        'uz-Latn': 'Mahalla hamjihatligi',
        'uz-Cyrl': 'Маҳалла ҳамжиҳатлиги',
      },
    ],
    ['organisation', O.unWomen, { ru: 'ООН-женщины' }],
    [
      'organisation',
      O.tjWomenRights,
      { ru: 'Общественная организация «Женщины за права и равенство»' },
    ],
    ['organisation', O.kgWomenVoice, { ru: 'Общественное объединение «Голос женщин»' }],
    [
      'organisation',
      O.uzWomenRights,
      {
        ru: 'ННО «Права и равенство женщин»',
        'uz-Cyrl': '«Аёллар ҳуқуқи ва тенглиги» нодавлат нотижорат ташкилоти',
      },
    ],
  ];

  /** Partner organisations whose names are written in their country's language. */
  const ORGANISATION_LANGUAGES: readonly [string, string][] = [
    [O.tjWomenRights, 'tg'],
    [O.tjFamilyCentre, 'tg'],
    [O.tjInitiativeGroup, 'tg'],
    [O.kgWomenVoice, 'ky'],
    [O.kgReligiousCouncil, 'ky'],
    [O.kgVillageWomenCouncil, 'ky'],
    [O.uzWomenRights, 'uz-Latn'],
  ];
  return { ENABLED, PROJECTS, COMMUNITIES, GLOBAL, ORGANISATION_LANGUAGES };
}

export async function seedTranslations(client: ClientBase): Promise<void> {
  const { ENABLED, PROJECTS, COMMUNITIES, GLOBAL, ORGANISATION_LANGUAGES } = seedData();
  for (const [tenantId, languages] of Object.entries(ENABLED)) {
    // Only while the tenant still offers the migration's default (all languages).
    await client.query(
      `UPDATE tenants SET enabled_languages = $2
        WHERE id = $1 AND enabled_languages = '{en,ru,tg,ky,uz-Latn,uz-Cyrl}'`,
      [tenantId, languages],
    );
  }
  // A seeded row's language is set only while it still holds the seeded text.
  for (const [tenantId, id, name, language] of COMMUNITIES) {
    await client.query(
      `UPDATE communities SET source_language = $4
        WHERE tenant_id = $1 AND id = $2 AND name = $3 AND source_language = 'en'`,
      [tenantId, id, name, language],
    );
  }
  for (const [id, language] of ORGANISATION_LANGUAGES) {
    await client.query(
      `UPDATE organisations SET source_language = $2 WHERE id = $1 AND source_language = 'en'`,
      [id, language],
    );
  }
  const rows: unknown[][] = [];
  for (const [tenantId, id, names, descriptions] of PROJECTS) {
    for (const [language, value] of Object.entries(names))
      rows.push([tenantId, 'project', id, 'name', language, value, id, null]);
    for (const [language, value] of Object.entries(descriptions))
      rows.push([tenantId, 'project', id, 'description', language, value, id, null]);
  }
  for (const [tenantId, id, , , names] of COMMUNITIES) {
    for (const [language, value] of Object.entries(names))
      rows.push([tenantId, 'community', id, 'name', language, value, null, id]);
  }
  for (const row of rows) {
    await client.query(
      `INSERT INTO translations (tenant_id, entity_type, entity_id, field, language, value,
         project_id, community_id, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'seed', 'seed')
       ON CONFLICT DO NOTHING`,
      row,
    );
  }
  for (const [entity, id, names] of GLOBAL) {
    for (const [language, value] of Object.entries(names)) {
      await client.query(
        `INSERT INTO global_translations (entity_type, entity_id, field, language, value)
         VALUES ($1, $2, 'name', $3, $4) ON CONFLICT DO NOTHING`,
        [entity, id, language, value],
      );
    }
  }
}
