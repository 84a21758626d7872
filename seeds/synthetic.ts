import type { ClientBase } from 'pg';
import { INDICATOR_CODES, SEED_IDS } from './programme';

/**
 * A deterministic generator of synthetic programme data at a chosen scale, for load tests,
 * benchmarks and pagination over realistic volumes. One unit of scale adds 60 projects,
 * 3,000 communities, 300,000 activities and 1,000,000 measurements spread over the three
 * seeded tenants, reusing the programme seed's tenants, organisations and indicators and
 * adding one synthetic partner organisation per project.
 *
 * Rows are generated in SQL from generate_series (no data crosses the wire), and every
 * "random" choice is a hash of a fixed salt and the row's index, so the same scale yields
 * the same rows and ids on any server, in any plan order. Unit u owns projects
 * SYN-((u-1)·60+1) … SYN-(u·60) and loads in its own transaction, so scale 2 after scale 1
 * adds only the second unit, and a re-run skips what is there.
 */

export type SyntheticUnit = Readonly<{
  projects: number;
  communities: number;
  activities: number;
  measurements: number;
}>;

/** The rows one unit of scale adds. */
export const SYNTHETIC_UNIT: SyntheticUnit = Object.freeze({
  projects: 60,
  communities: 3_000,
  activities: 300_000,
  measurements: 1_000_000,
});

export type SyntheticOptions = Readonly<{
  /** Rows per unit; tests use a tiny unit, everything else the default. */
  unit?: SyntheticUnit;
}>;

const SYNTHETIC_TABLES = [
  'organisations',
  'projects',
  'project_organisations',
  'communities',
  'project_communities',
  'activities',
  'measurements',
] as const;
export type SyntheticTable = (typeof SYNTHETIC_TABLES)[number];

export type SyntheticReport = Readonly<{
  unitsLoaded: readonly number[];
  unitsSkipped: readonly number[];
  inserted: Readonly<Record<SyntheticTable, number>>;
  seconds: number;
}>;

/** Who the synthetic rows say created them. */
const CREATED_BY = 'seed:synthetic';

/**
 * The data describe the programme as of this date: projects ending before it are CLOSED,
 * and nothing is reported after it (activities start, and measurements are taken, on or
 * before it; only closed projects have an endline). A fixed date rather than today, so that
 * the rows do not depend on the day the generator runs.
 */
const STATUS_REFERENCE_DATE = '2026-11-01';

const ACTIVITY_CHUNK = 100_000;
const MEASUREMENT_CHUNK = 250_000;

// Tenant order used by every table below: index 0 = TJ, 1 = KG, 2 = UZ.
const TENANT_IDS = [SEED_IDS.tenants.TJ, SEED_IDS.tenants.KG, SEED_IDS.tenants.UZ];
const KG = 1;
const UZ = 2;

/** Regions and districts per tenant (real administrative names, in common Latin spelling). */
const PLACES: readonly (readonly [region: string, districts: readonly string[]])[][] = [
  [
    ['Khatlon', ['Bokhtar', 'Vose', 'Jaloliddini Balkhi', 'Kulob', 'Danghara', 'Jayhun']],
    ['Sughd', ['Spitamen', 'Mastchoh', 'Istaravshan', 'Asht', 'Zafarobod']],
    ['Districts of Republican Subordination', ['Rudaki', 'Hisor', 'Vahdat']],
    ['GBAO', ['Rushon', 'Shughnon']],
  ],
  [
    ['Osh', ['Kara-Suu', 'Nookat', 'Uzgen', 'Aravan']],
    ['Jalal-Abad', ['Suzak', 'Bazar-Korgon', 'Nooken']],
    ['Batken', ['Kadamjay', 'Leilek']],
    ['Chuy', ['Moskva', 'Sokuluk', 'Alamudun']],
    ['Naryn', ['At-Bashy']],
    ['Issyk-Kul', ['Ak-Suu', 'Tyup']],
    ['Talas', ['Manas']],
  ],
  [
    ['Fergana', ['Quva', 'Rishton', 'Oltiariq']],
    ['Andijan', ['Asaka', 'Marhamat']],
    ['Namangan', ['Chust', 'Pop']],
    ['Samarkand', ['Urgut', 'Pastdargʻom']],
    ['Kashkadarya', ['Qarshi', 'Shahrisabz']],
    ['Surkhandarya', ['Denov', 'Sherobod']],
    ['Karakalpakstan', ['Nukus', 'Xoʻjayli']],
  ],
];

/**
 * Village names per tenant: Tajik, Kyrgyz and Uzbek (Cyrillic and Latin) and Russian. All are
 * names dozens of real villages share; repeats across communities are realistic.
 */
const VILLAGES: readonly (readonly string[])[] = [
  [
    'Навобод',
    'Дӯстӣ',
    'Ватан',
    'Истиқлол',
    'Гулистон',
    'Баҳор',
    'Сомониён',
    'Зарафшон',
    'Ҷилликӯл',
    'Обшорон',
    'Пахтаобод',
    'Ғалаба',
    'Чорбоғ',
    'Навбаҳор',
    'Ширинобод',
    'Қаротоғ',
    'Navobod',
    'Guliston',
    'Bahor',
    'Chorbogh',
    'Первомайский',
    'Октябрьский',
  ],
  [
    'Ак-Суу',
    'Кара-Булак',
    'Жаңы-Жер',
    'Кызыл-Туу',
    'Ынтымак',
    'Сары-Таш',
    'Көк-Жар',
    'Бирлик',
    'Ала-Бука',
    'Ак-Терек',
    'Кара-Жыгач',
    'Жийде',
    'Кең-Булуң',
    'Төрт-Көл',
    'Kok-Jar',
    'Birlik',
    'Ивановка',
    'Покровка',
    'Садовое',
    'Первомайское',
  ],
  [
    'Yangiobod',
    'Boʻston',
    'Navbahor',
    'Qoʻshtepa',
    'Doʻstlik',
    'Mustaqillik',
    'Oltinkoʻl',
    'Chinobod',
    'Gʻalaba',
    'Bogʻishamol',
    'Tinchlik',
    'Obod',
    'Yangihayot',
    'Янгиобод',
    'Қўштепа',
    'Дўстлик',
    'Навбаҳор',
    'Пахтакор',
  ],
];

/** Invented partner names per tenant and kind; a district and number make each unique. */
const PARTNER_NAMES: readonly (readonly [kind: string, names: readonly string[]])[][] = [
  [
    [
      'PARTNER_NGO',
      [
        'Ташкилоти ҷамъиятии «Мададгор»',
        'Ташкилоти ҷамъиятии «Нури умед»',
        'Маркази «Ояндаи нек»',
        'Women’s Initiative Centre',
      ],
    ],
    ['COMMUNITY_GROUP', ['Гурӯҳи ташаббускори занон', 'Шӯрои маҳалла']],
  ],
  [
    [
      'PARTNER_NGO',
      ['«Үмүт» коомдук бирикмеси', '«Ак жол» коомдук фонду', 'Общественный фонд «Равенство»'],
    ],
    ['COMMUNITY_GROUP', ['Айыл аялдар кеңеши', 'Жаштар демилгелүү тобу']],
    ['RELIGIOUS_INSTITUTION', ['Диний лидерлер кеңеши', 'Отун-айлар бирикмеси']],
  ],
  [
    [
      'PARTNER_NGO',
      ['«Mehr» nodavlat notijorat tashkiloti', '«Oila tayanchi» NNT', '«Ishonch» ayollar markazi'],
    ],
    ['COMMUNITY_GROUP', ['Mahalla faollari guruhi', 'Ayollar kengashi']],
  ],
];

/** Project names per tenant, in the local language, Russian and English (`%s`: district). */
const PROJECT_NAMES: readonly (readonly string[])[] = [
  ['Оилаи солим — %s', 'Жизнь без насилия — %s', 'Living with Dignity scale-up — %s'],
  ['Ынтымактуу үй-бүлө — %s', 'Жизнь без насилия — %s', 'Living with Dignity scale-up — %s'],
  ['Tinch oila — %s', 'Жизнь без насилия — %s', 'Living with Dignity scale-up — %s'],
];

type ActivityType = Readonly<{
  type: string;
  /** Share of activities of this type. */
  share: number;
  female: readonly [number, number];
  male: readonly [number, number];
  /** Extra days from start to end date; null: a one-off event with no end date half the time. */
  days: readonly [number, number] | null;
  /** Titles: Tajik, Kyrgyz, Uzbek (Latin), Russian, English. */
  titles: readonly [string, string, string, string, string];
}>;

const ACTIVITY_TYPES: readonly ActivityType[] = [
  {
    type: 'TRAINING',
    share: 0.24,
    female: [8, 25],
    male: [2, 15],
    days: [0, 2],
    titles: [
      'Омӯзиш оид ба пешгирии зӯроварии хонаводагӣ',
      'Үй-бүлөлүк зомбулукту алдын алуу боюнча тренинг',
      'Oilaviy zoʻravonlikning oldini olish boʻyicha trening',
      'Тренинг по профилактике домашнего насилия',
      'Training on domestic violence prevention',
    ],
  },
  {
    type: 'COMMUNITY_DIALOGUE',
    share: 0.2,
    female: [10, 40],
    male: [5, 30],
    days: [0, 0],
    titles: [
      'Муколамаи ҷамъиятӣ дар бораи оилаи солим',
      'Жамааттык диалог: ынтымактуу үй-бүлө',
      'Mahalla muloqoti: tinch oila',
      'Диалог в сообществе о гармонии в семье',
      'Community dialogue on family harmony',
    ],
  },
  {
    type: 'SAVINGS_GROUP',
    share: 0.14,
    female: [10, 25],
    male: [0, 12],
    days: [90, 180],
    titles: [
      'Ҷаласаи гурӯҳи пасандоз',
      'Топтоо тобунун жыйыны',
      'Jamgʻarma guruhi yigʻilishi',
      'Собрание группы сбережений',
      'Savings group meeting',
    ],
  },
  {
    type: 'PSYCHOSOCIAL_SUPPORT',
    share: 0.12,
    female: [5, 20],
    male: [0, 4],
    days: [28, 84],
    titles: [
      'Дастгирии равонӣ-иҷтимоӣ',
      'Психосоциалдык колдоо',
      'Psixologik-ijtimoiy yordam',
      'Психосоциальная поддержка',
      'Psychosocial support session',
    ],
  },
  {
    type: 'REFERRAL',
    share: 0.09,
    female: [1, 3],
    male: [0, 1],
    days: null,
    titles: [
      'Роҳхат ба хизматрасониҳо',
      'Кызматтарга жолдомо',
      'Xizmatlarga yoʻllanma',
      'Направление в службы помощи',
      'Referral to support services',
    ],
  },
  {
    type: 'ADVOCACY_EVENT',
    share: 0.07,
    female: [20, 150],
    male: [10, 100],
    days: null,
    titles: [
      'Чорабинии таблиғотӣ',
      'Коомдук маалымдоо иш-чарасы',
      'Targʻibot tadbiri',
      'Информационно-просветительское мероприятие',
      'Advocacy and awareness event',
    ],
  },
  {
    type: 'RELIGIOUS_LEADER_SESSION',
    share: 0.06,
    female: [0, 3],
    male: [8, 25],
    days: [0, 1],
    titles: [
      'Ҷаласа бо пешвоёни динӣ',
      'Диний лидерлер менен сессия',
      'Diniy yetakchilar bilan uchrashuv',
      'Встреча с религиозными лидерами',
      'Session with religious leaders',
    ],
  },
  {
    type: 'STUDY_VISIT',
    share: 0.05,
    female: [4, 12],
    male: [2, 8],
    days: [1, 4],
    titles: [
      'Сафари омӯзишӣ',
      'Тажрыйба алмашуу сапары',
      'Tajriba almashish safari',
      'Ознакомительный визит',
      'Study visit',
    ],
  },
  {
    type: 'INDUCTION_MEETING',
    share: 0.03,
    female: [5, 15],
    male: [1, 6],
    days: [0, 0],
    titles: [
      'Вохӯрии муқаддимавӣ бо шарикон',
      'Өнөктөштөр менен таанышуу жолугушуусу',
      'Hamkorlar bilan tanishuv uchrashuvi',
      'Вводная встреча с партнёрами',
      'Induction meeting with partners',
    ],
  },
];

/** Share of Kyrgyz activities that are religious-leader sessions on top of the usual mix. */
const KG_EXTRA_RELIGIOUS_SHARE = 0.15;

/** Languages of titles and project names (index 0: the tenant's own, 1: Russian, 2: English), by share. */
const TITLE_LANGUAGES = [
  { language: 'local', share: 0.55 },
  { language: 'ru', share: 0.3 },
  { language: 'en', share: 0.15 },
] as const;

/**
 * Indicator levels: the baseline from a draw `b`, the endline from the baseline `bl` and a
 * draw `e`, always changed in the indicator's better direction; values are clamped to `max`.
 */
const INDICATOR_LEVELS: Readonly<
  Record<
    (typeof INDICATOR_CODES)[number],
    {
      baseline: (b: string) => string;
      endline: (bl: string, e: string) => string;
      max: number | null;
    }
  >
> = {
  DV_PREVALENCE: {
    baseline: (b) => `20 + 40 * ${b}`,
    endline: (bl, e) => `${bl} * (0.4 + 0.5 * ${e})`,
    max: 100,
  },
  WOMEN_MOBILITY: {
    baseline: (b) => `15 + 35 * ${b}`,
    endline: (bl, e) => `${bl} + 10 + 25 * ${e}`,
    max: 100,
  },
  FAMILY_SAVINGS: {
    baseline: (b) => `10 + 70 * ${b}`,
    endline: (bl, e) => `${bl} * (1.5 + 7.5 * ${e})`,
    max: null,
  },
  MENTAL_WELLBEING: {
    baseline: (b) => `30 + 25 * ${b}`,
    endline: (bl, e) => `${bl} + 5 + 15 * ${e}`,
    max: 100,
  },
  COMMUNITY_COHESION: {
    baseline: (b) => `3 + 3 * ${b}`,
    endline: (bl, e) => `${bl} + 0.5 + 2 * ${e}`,
    max: 10,
  },
};

/**
 * A uniform draw in [0, 1) from md5(salt:key). Hash-based rather than random()/setseed(), so
 * the value depends only on the row, never on plan or execution order.
 */
function draw(salt: string, key: string): string {
  return `((('x' || substr(md5('${salt}:' || (${key})::text), 1, 8))::bit(32)::int::float8 + 2147483648) / 4294967296)`;
}

/** A uniform integer in [lo, hi]. */
function between(salt: string, key: string, lo: string | number, hi: string | number): string {
  return `((${lo}) + floor(${draw(salt, key)} * ((${hi}) - (${lo}) + 1))::int)`;
}

/** A deterministic id with the v4 layout (version 4, variant 8), from md5(kind:key). */
function synId(kind: string, key: string): string {
  return `overlay(overlay(md5('dg-syn:${kind}:' || (${key})::text) placing '4' from 13) placing '8' from 17)::uuid`;
}

function uuidArray(ids: readonly string[]): string {
  return `ARRAY[${ids.map((id) => `'${id}'`).join(', ')}]::uuid[]`;
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`seedSynthetic: ${name} must be a non-negative integer, got ${value}`);
  }
}

/** Vocabulary rows with `n`, the size of their group, so a join can pick `k = floor(draw·n)`. */
function vocabulary(): {
  places: object[];
  villages: object[];
  partners: object[];
  projectNames: object[];
  titles: object[];
} {
  const places = PLACES.flatMap((regions, t) => {
    const rows: object[] = [];
    const n = regions.reduce((sum, [, districts]) => sum + districts.length, 0);
    for (const [region, districts] of regions) {
      const regionFirst = rows.length;
      for (const district of districts) {
        rows.push({
          t,
          k: rows.length,
          n,
          region,
          district,
          region_first: regionFirst,
          region_count: districts.length,
        });
      }
    }
    return rows;
  });
  const villages = VILLAGES.flatMap((names, t) =>
    names.map((name, k) => ({ t, k, n: names.length, name })),
  );
  const partners = PARTNER_NAMES.flatMap((kinds, t) =>
    kinds.flatMap(([kind, names]) =>
      names.map((name, k) => ({ t, kind, k, n: names.length, name })),
    ),
  );
  const projectNames = PROJECT_NAMES.flatMap((names, t) =>
    names.map((name, lang) => ({ t, lang, name })),
  );
  const titles = ACTIVITY_TYPES.flatMap(({ type, titles: byLanguage }) =>
    [0, 1, 2].flatMap((t) =>
      // lang 0: the tenant's language; 1: Russian; 2: English.
      [byLanguage[t]!, byLanguage[3], byLanguage[4]].map((title, lang) => ({
        type,
        t,
        lang,
        title,
      })),
    ),
  );
  return { places, villages, partners, projectNames, titles };
}

/** `CASE` picking a language index 0–2 from a draw, by TITLE_LANGUAGES shares. */
function languageCase(salt: string, key: string): string {
  let cumulative = 0;
  const arms = TITLE_LANGUAGES.slice(0, -1).map(({ share }, i) => {
    cumulative += share;
    return `WHEN ${draw(salt, key)} < ${cumulative} THEN ${i}`;
  });
  return `CASE ${arms.join(' ')} ELSE ${TITLE_LANGUAGES.length - 1} END`;
}

type Counter = Record<SyntheticTable, number>;

type UnitPlan = Readonly<{ u: number; unit: SyntheticUnit; marker: string }>;

function projectCode(n: number): string {
  return `SYN-${String(n).padStart(4, '0')}`;
}

/**
 * Adds `scale` units of synthetic data (see the file comment). Requires `seedProgramme` to
 * have run. Units already present are skipped, so the call is idempotent.
 */
export async function seedSynthetic(
  client: ClientBase,
  scale: number,
  log: (line: string) => void = () => undefined,
  options: SyntheticOptions = {},
): Promise<SyntheticReport> {
  if (!Number.isSafeInteger(scale) || scale < 1) {
    throw new Error(`seedSynthetic: scale must be an integer ≥ 1, got ${scale}`);
  }
  const unit = options.unit ?? SYNTHETIC_UNIT;
  for (const [name, value] of Object.entries(unit)) assertCount(`unit.${name}`, value);
  if (unit.projects < 1) throw new Error('seedSynthetic: unit.projects must be at least 1');

  const started = Date.now();
  await assertProgrammeSeeded(client);
  const inserted: Counter = Object.fromEntries(SYNTHETIC_TABLES.map((t) => [t, 0])) as Counter;
  const unitsLoaded: number[] = [];
  const unitsSkipped: number[] = [];
  for (let u = 1; u <= scale; u++) {
    const plan: UnitPlan = { u, unit, marker: projectCode((u - 1) * unit.projects + 1) };
    const loaded = await loadUnit(client, plan, inserted, (line) =>
      log(`unit ${u}/${scale}: ${line}`),
    );
    (loaded ? unitsLoaded : unitsSkipped).push(u);
  }
  if (unitsLoaded.length > 0) {
    const t = Date.now();
    // Fresh statistics so the first queries after a load get sensible plans. Like the load, not
    // bound by the pool's statement timeout: a million measurements take longer on a busy machine.
    await client.query('BEGIN');
    try {
      await client.query('SET LOCAL statement_timeout = 0');
      await client.query(`ANALYZE organisations, projects, project_organisations, communities,
        project_communities, activities, measurements`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    log(`analyzed tables in ${seconds(t)} s`);
  }
  const report: SyntheticReport = Object.freeze({
    unitsLoaded: Object.freeze(unitsLoaded),
    unitsSkipped: Object.freeze(unitsSkipped),
    inserted: Object.freeze(inserted),
    seconds: (Date.now() - started) / 1000,
  });
  log(
    `done in ${report.seconds.toFixed(1)} s: loaded units [${unitsLoaded.join(', ')}], ` +
      `skipped [${unitsSkipped.join(', ')}]`,
  );
  return report;
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1);
}

async function assertProgrammeSeeded(client: ClientBase): Promise<void> {
  const result = await client.query<{ tenants: number; organisations: number; indicators: number }>(
    `SELECT (SELECT count(*) FROM tenants WHERE id = ANY ($1::uuid[]))::int AS tenants,
            (SELECT count(*) FROM organisations WHERE id = ANY ($2::uuid[]))::int AS organisations,
            (SELECT count(*) FROM indicators WHERE id = ANY ($3::uuid[]))::int AS indicators`,
    [
      TENANT_IDS,
      [
        SEED_IDS.organisations.internationalAlert,
        SEED_IDS.organisations.ukGovernment,
        SEED_IDS.organisations.unWomen,
        SEED_IDS.organisations.britishEmbassyUz,
      ],
      INDICATOR_CODES.map((code) => SEED_IDS.indicators[code]),
    ],
  );
  const row = result.rows[0];
  if (
    !row ||
    row.tenants !== 3 ||
    row.organisations !== 4 ||
    row.indicators !== INDICATOR_CODES.length
  ) {
    throw new Error(
      'seedSynthetic: run seedProgramme first (its tenants, organisations and indicators are missing)',
    );
  }
}

// One unit at a time, whatever the number of callers.
const SYNTHETIC_LOCK_KEY = 7_264_003;

async function loadUnit(
  client: ClientBase,
  plan: UnitPlan,
  inserted: Counter,
  log: (line: string) => void,
): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SYNTHETIC_LOCK_KEY]);
    const present = await client.query(
      'SELECT 1 FROM projects WHERE tenant_id = $1 AND code = $2',
      [SEED_IDS.tenants.TJ, plan.marker],
    );
    if (present.rowCount) {
      await client.query('COMMIT');
      log(`already present (project ${plan.marker}); skipped`);
      return false;
    }
    // A unit is a few minutes of bulk work in one transaction: lift the pool's per-statement
    // limits for this transaction only, and do not wait for the WAL flush at commit.
    await client.query(`SET LOCAL statement_timeout = 0`);
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = 0`);
    await client.query(`SET LOCAL synchronous_commit = off`);
    await client.query(`SET LOCAL work_mem = '64MB'`);
    await createWorkTables(client, plan);
    const steps: [SyntheticTable, string[]][] = [
      ['organisations', [insertOrganisations()]],
      ['projects', [insertProjects()]],
      ['project_organisations', [insertProjectOrganisations()]],
      ['communities', [insertCommunities()]],
      ['project_communities', [insertProjectCommunities(plan)]],
      [
        'activities',
        chunks(plan.unit.activities, ACTIVITY_CHUNK).map(([lo, hi]) =>
          insertActivities(plan, lo, hi),
        ),
      ],
      [
        'measurements',
        chunks(plan.unit.measurements, MEASUREMENT_CHUNK).map(([lo, hi]) =>
          insertMeasurements(plan, lo, hi),
        ),
      ],
    ];
    for (const [table, statements] of steps) {
      const t = Date.now();
      let rows = 0;
      for (const sql of statements) {
        const result = await client.query(sql);
        rows += result.rowCount ?? 0;
        if (statements.length > 1) log(`${table}: ${rows.toLocaleString('en')} rows…`);
      }
      inserted[table] += rows;
      log(`${table}: ${rows.toLocaleString('en')} rows in ${seconds(t)} s`);
    }
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** [lo, hi] index ranges of at most `size` covering 0 … total−1. */
function chunks(total: number, size: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let lo = 0; lo < total; lo += size) ranges.push([lo, Math.min(total, lo + size) - 1]);
  return ranges;
}

/**
 * Temporary tables (dropped at commit) holding the vocabulary and the unit's projects and
 * communities, which the bulk inserts join to.
 */
async function createWorkTables(client: ClientBase, plan: UnitPlan): Promise<void> {
  const { u, unit } = plan;
  const P = unit.projects;
  const C = unit.communities;
  const vocab = vocabulary();
  await client.query(
    `CREATE TEMP TABLE syn_place ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(t int, k int, n int, region text, district text, region_first int, region_count int)`,
    [JSON.stringify(vocab.places)],
  );
  await client.query(
    `CREATE TEMP TABLE syn_village ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t int, k int, n int, name text)`,
    [JSON.stringify(vocab.villages)],
  );
  await client.query(
    `CREATE TEMP TABLE syn_partner_name ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t int, kind text, k int, n int, name text)`,
    [JSON.stringify(vocab.partners)],
  );
  await client.query(
    `CREATE TEMP TABLE syn_project_name ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(t int, lang int, name text)`,
    [JSON.stringify(vocab.projectNames)],
  );
  await client.query(
    `CREATE TEMP TABLE syn_title ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(type text, t int, lang int, title text)`,
    [JSON.stringify(vocab.titles)],
  );
  let cumulative = 0;
  const types = ACTIVITY_TYPES.map((type) => {
    const row = {
      type: type.type,
      lo: cumulative,
      hi: (cumulative += type.share),
      f_lo: type.female[0],
      f_hi: type.female[1],
      m_lo: type.male[0],
      m_hi: type.male[1],
      d_lo: type.days?.[0] ?? null,
      d_hi: type.days?.[1] ?? null,
    };
    return row;
  });
  types[types.length - 1]!.hi = 1.0000001; // float shares must cover every draw below 1
  await client.query(
    `CREATE TEMP TABLE syn_type ON COMMIT DROP AS
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(type text, lo float8, hi float8, f_lo int, f_hi int, m_lo int, m_hi int, d_lo int, d_hi int)`,
    [JSON.stringify(types)],
  );

  // Projects: tenant by index (so each unit's first project, the marker, is in TJ); start
  // between 2019 and 2024, two to five years long; a partner organisation of their own.
  await client.query(`
    CREATE TEMP TABLE syn_project ON COMMIT DROP AS
    SELECT q.*, least(q.end_date, date '${STATUS_REFERENCE_DATE}') AS observed_end,
           q.end_date < date '${STATUS_REFERENCE_DATE}' AS closed
      FROM (
    WITH base AS (
      SELECT i AS idx, ${(u - 1) * P} + i AS gp, i % 3 AS t
        FROM generate_series(0, ${P - 1}) i
    ), dated AS (
      SELECT b.*,
             (date '2019-01-01' + make_interval(months => floor(${draw('ps', 'b.gp')} * 72)::int))::date
               AS start_date,
             ${between('pm', 'b.gp', 24, 60)} AS months
        FROM base b
    )
    SELECT d.idx, d.gp, d.t, (${uuidArray(TENANT_IDS)})[d.t + 1] AS tenant_id,
           ${synId('project', 'd.gp')} AS id,
           'SYN-' || lpad((d.gp + 1)::text, greatest(4, length((d.gp + 1)::text)), '0') AS code,
           format(pn.name, pl.district) AS name,
           d.start_date,
           (d.start_date + make_interval(months => d.months) - interval '1 day')::date AS end_date,
           pl.k AS place_k, pl.region, pl.district,
           CASE WHEN d.idx < ${C} THEN (${C} - 1 - d.idx) / ${P} + 1 ELSE 0 END AS n_communities,
           ${synId('organisation', 'd.gp')} AS partner_id,
           pk.kind AS partner_kind,
           pk.name || ' — ' || pl.district || ' (№ ' || (d.gp + 1) || ')' AS partner_name,
           CASE WHEN d.t = ${UZ} AND ${draw('pdn', 'd.gp')} < 0.3
                  THEN '${SEED_IDS.organisations.britishEmbassyUz}'::uuid
                WHEN ${draw('pdn', 'd.gp')} < 0.85 THEN '${SEED_IDS.organisations.ukGovernment}'::uuid
                ELSE '${SEED_IDS.organisations.unWomen}'::uuid END AS donor_id
      FROM dated d
      JOIN syn_place pl ON pl.t = d.t AND pl.k = floor(${draw('pp', 'd.gp')} * pl.n)
      JOIN syn_project_name pn ON pn.t = d.t AND pn.lang = ${languageCase('pl', 'd.gp')}
      JOIN syn_partner_name pk ON pk.t = d.t
        AND pk.kind = CASE
          WHEN d.t = ${KG} AND ${draw('pk', 'd.gp')} < 0.3 THEN 'RELIGIOUS_INSTITUTION'
          WHEN ${draw('pk', 'd.gp')} > 0.85 THEN 'COMMUNITY_GROUP'
          ELSE 'PARTNER_NGO' END
        AND pk.k = floor(${draw('pkn', 'd.gp')} * pk.n)
      ) q`);

  // Communities: community j is targeted by project j mod P (about C/P per project), in the
  // project's region, mostly in its district.
  await client.query(`
    CREATE TEMP TABLE syn_community ON COMMIT DROP AS
    WITH base AS (
      SELECT j AS idx, ${(u - 1) * C} + j AS gc, p.idx AS project_idx, p.t, p.tenant_id,
             p.region, p.place_k
        FROM generate_series(0, ${C - 1}) j
        JOIN syn_project p ON p.idx = j % ${P}
    ), sized AS (
      SELECT b.*,
             CASE WHEN ${draw('cs', 'b.gc')} < 0.85 THEN 'RURAL' ELSE 'URBAN' END AS settlement
        FROM base b
    )
    SELECT s.idx, s.gc, s.project_idx, s.t, s.tenant_id, ${synId('community', 's.gc')} AS id,
           v.name, pl.region, pl.district, s.settlement,
           CASE s.settlement WHEN 'RURAL' THEN ${between('ch', 's.gc', 80, 1200)}
                ELSE ${between('ch', 's.gc', 800, 4800)} END AS households
      FROM sized s
      JOIN syn_village v ON v.t = s.t AND v.k = floor(${draw('cn', 's.gc')} * v.n)
      JOIN syn_place pl ON pl.t = s.t AND pl.region = s.region
        AND pl.k = CASE WHEN ${draw('cd', 's.gc')} < 0.6 THEN s.place_k
                        ELSE pl.region_first + floor(${draw('cr', 's.gc')} * pl.region_count)::int END`);
  await client.query(`CREATE UNIQUE INDEX ON syn_community (idx)`);
  await client.query(`ANALYZE syn_project, syn_community, syn_type, syn_title`);
}

function insertOrganisations(): string {
  return `
    INSERT INTO organisations (id, name, kind)
    SELECT partner_id, partner_name, partner_kind FROM syn_project ORDER BY idx`;
}

function insertProjects(): string {
  return `
    INSERT INTO projects (tenant_id, id, code, name, description, status, start_date, end_date,
                          created_by, updated_by)
    SELECT tenant_id, id, code, name,
           'Synthetic project generated for load and pagination tests; not programme data.',
           CASE WHEN closed THEN 'CLOSED' ELSE 'ACTIVE' END,
           start_date, end_date, '${CREATED_BY}', '${CREATED_BY}'
      FROM syn_project ORDER BY idx`;
}

/** International Alert implements, a UK (or UN) donor funds; the project's own partner, and
 * often the partner of another project in the same tenant, so partner scopes overlap. */
function insertProjectOrganisations(): string {
  return `
    INSERT INTO project_organisations (tenant_id, project_id, organisation_id, role)
    SELECT tenant_id, id, '${SEED_IDS.organisations.internationalAlert}', 'IMPLEMENTER' FROM syn_project
    UNION ALL
    SELECT tenant_id, id, donor_id, 'DONOR' FROM syn_project
    UNION ALL
    SELECT tenant_id, id, partner_id, 'PARTNER' FROM syn_project
    UNION ALL
    SELECT p.tenant_id, p.id, q.partner_id, 'PARTNER'
      FROM syn_project p JOIN syn_project q ON q.idx = p.idx - 3
     WHERE ${draw('po', 'p.gp')} < 0.4`;
}

function insertCommunities(): string {
  return `
    INSERT INTO communities (tenant_id, id, name, region, district, settlement, households,
                             population, created_by, updated_by)
    SELECT tenant_id, id, name, region, district, settlement, households,
           round(households * (4.2 + 2.3 * ${draw('cp', 'gc')}))::int,
           '${CREATED_BY}', '${CREATED_BY}'
      FROM syn_community ORDER BY idx`;
}

/** Each community's own project, and one in ten also targeted by a neighbouring project. */
function insertProjectCommunities(plan: UnitPlan): string {
  return `
    INSERT INTO project_communities (tenant_id, project_id, community_id)
    SELECT c.tenant_id, p.id, c.id FROM syn_community c JOIN syn_project p ON p.idx = c.project_idx
    UNION ALL
    SELECT c.tenant_id, p.id, c.id
      FROM syn_community c JOIN syn_project p ON p.idx = c.project_idx + 3
     WHERE ${draw('pc', 'c.gc')} < 0.1 AND c.project_idx + 3 < ${plan.unit.projects}`;
}

/**
 * Activities lo … hi of the unit: spread evenly over projects, starting within the project
 * and not after STATUS_REFERENCE_DATE, in
 * one of the project's communities (8 % project-wide), typed by the shares of ACTIVITY_TYPES
 * (Kyrgyz projects add religious-leader sessions), titled in the local language, Russian or
 * English, facilitated and recorded by International Alert or the project's partner.
 */
function insertActivities(plan: UnitPlan, lo: number, hi: number): string {
  const { u, unit } = plan;
  const P = unit.projects;
  // A draw that lands in the religious-leader band of syn_type (its lower bound).
  const religiousAt = ACTIVITY_TYPES.findIndex((t) => t.type === 'RELIGIOUS_LEADER_SESSION');
  const religiousLo = ACTIVITY_TYPES.slice(0, religiousAt).reduce((sum, t) => sum + t.share, 0);
  return `
    INSERT INTO activities (tenant_id, id, project_id, community_id, type, title, start_date,
      end_date, facilitator_organisation_id, participants_female, participants_male,
      participants_other, age_band, recorded_by_organisation_id, external_id, created_by,
      updated_by)
    WITH base AS (
      SELECT g, ${(u - 1) * unit.activities}::bigint + g AS ga, g % ${P} AS project_idx
        FROM generate_series(${lo}, ${hi}) g
    ), placed AS (
      SELECT b.ga, p.tenant_id, p.t, p.id AS project_id, p.partner_id, p.district,
             CASE WHEN p.n_communities = 0 OR ${draw('an', 'b.ga')} < 0.08 THEN NULL
                  ELSE p.idx + ${P} * floor(${draw('ac', 'b.ga')} * p.n_communities)::int END
               AS community_idx,
             p.start_date + floor(${draw('ad', 'b.ga')} * (p.observed_end - p.start_date + 1))::int
               AS start_date,
             p.end_date AS project_end,
             CASE WHEN p.t = ${KG} AND ${draw('ak', 'b.ga')} < ${KG_EXTRA_RELIGIOUS_SHARE}
                  THEN ${religiousLo} ELSE ${draw('at', 'b.ga')} END AS type_draw
        FROM base b JOIN syn_project p ON p.idx = b.project_idx
    )
    SELECT a.tenant_id, ${synId('activity', 'a.ga')}, a.project_id, c.id, ty.type,
           ti.title || ' — ' || coalesce(c.name, a.district),
           a.start_date,
           CASE WHEN ty.d_lo IS NOT NULL
                  THEN least(a.project_end, a.start_date + ${between('ae', 'a.ga', 'ty.d_lo', 'ty.d_hi')})
                WHEN ${draw('ae', 'a.ga')} < 0.5 THEN a.start_date END,
           CASE WHEN ${draw('af', 'a.ga')} < 0.05 THEN NULL
                WHEN ${draw('af', 'a.ga')} < 0.40 THEN '${SEED_IDS.organisations.internationalAlert}'::uuid
                ELSE a.partner_id END,
           CASE WHEN ty.type = 'RELIGIOUS_LEADER_SESSION' AND ${draw('ao', 'a.ga')} < 0.2
                  THEN ${between('apf', 'a.ga', 8, 20)}
                ELSE ${between('apf', 'a.ga', 'ty.f_lo', 'ty.f_hi')} END,
           CASE WHEN ty.type = 'RELIGIOUS_LEADER_SESSION' AND ${draw('ao', 'a.ga')} < 0.2 THEN 0
                ELSE ${between('apm', 'a.ga', 'ty.m_lo', 'ty.m_hi')} END,
           CASE WHEN ${draw('apo', 'a.ga')} < 0.02 THEN 1 ELSE 0 END,
           CASE WHEN ${draw('aa', 'a.ga')} < 0.40 THEN 'MIXED'
                WHEN ${draw('aa', 'a.ga')} < 0.55 THEN 'AGE_25_49'
                WHEN ${draw('aa', 'a.ga')} < 0.65 THEN 'AGE_18_24'
                WHEN ${draw('aa', 'a.ga')} < 0.72 THEN 'AGE_50_PLUS'
                WHEN ${draw('aa', 'a.ga')} < 0.75 THEN 'UNDER_18' END,
           CASE WHEN ${draw('ar', 'a.ga')} < 0.3 THEN '${SEED_IDS.organisations.internationalAlert}'::uuid
                ELSE a.partner_id END,
           'syn-a-' || a.ga, '${CREATED_BY}', '${CREATED_BY}'
      FROM placed a
      JOIN syn_type ty ON a.type_draw >= ty.lo AND a.type_draw < ty.hi
      JOIN syn_title ti ON ti.type = ty.type AND ti.t = a.t AND ti.lang = ${languageCase('al', 'a.ga')}
      LEFT JOIN syn_community c ON c.idx = a.community_idx`;
}

/**
 * Measurements lo … hi of the unit. Row g belongs to series g mod (communities × indicators)
 * and is that series' occurrence ⌊g / series⌋: BASELINE, ENDLINE, MIDLINE, then ROUTINE rows
 * spread over the observed part of the project, so small units still get baseline–endline
 * pairs (a project still running has no endline yet: MIDLINE, then ROUTINE). Each series has
 * its own baseline level and change in the indicator's better direction; routine rows follow
 * the trend with noise, and a third of them are disaggregated by sex (wellbeing, cohesion)
 * or by age (the women's indicators). Surveys are recorded by International Alert, routine
 * monitoring by the partner.
 */
function insertMeasurements(plan: UnitPlan, lo: number, hi: number): string {
  const { u, unit } = plan;
  const series = unit.communities * INDICATOR_CODES.length;
  if (series === 0) {
    if (unit.measurements > 0) throw new Error('seedSynthetic: measurements need communities');
    return 'SELECT 1 WHERE false';
  }
  const occurrences = Math.ceil(unit.measurements / series);
  const routine = Math.max(1, occurrences - 3);
  const byIndicator = (
    column: string,
    expression: (code: (typeof INDICATOR_CODES)[number]) => string,
  ): string =>
    `CASE ${column} ${INDICATOR_CODES.map((code, k) => `WHEN ${k} THEN ${expression(code)}`).join(' ')} END`;
  const sexDisaggregated = [3, 4]; // MENTAL_WELLBEING, COMMUNITY_COHESION
  const ageDisaggregated = [0, 1]; // DV_PREVALENCE, WOMEN_MOBILITY
  return `
    INSERT INTO measurements (tenant_id, id, indicator_id, project_id, community_id, period,
      measured_on, value, sample_size, sex, age_band, source, recorded_by_organisation_id,
      external_id, created_by, updated_by)
    WITH base AS (
      SELECT g, ${(u - 1) * unit.measurements}::bigint + g AS gm,
             (g % ${series}) / ${INDICATOR_CODES.length} AS community_idx,
             (g % ${series}) % ${INDICATOR_CODES.length} AS k,
             g / ${series} AS j
        FROM generate_series(${lo}, ${hi}) g
    ), dated AS (
      SELECT b.gm, b.k, b.j, c.tenant_id, c.id AS community_id, p.id AS project_id,
             p.partner_id, p.start_date, p.end_date,
             c.gc::bigint * ${INDICATOR_CODES.length} + b.k AS sk,
             CASE WHEN b.j = 0 THEN 'BASELINE'
                  WHEN b.j = 1 AND p.closed THEN 'ENDLINE'
                  WHEN b.j = 1 OR (b.j = 2 AND p.closed) THEN 'MIDLINE'
                  ELSE 'ROUTINE' END AS period,
             CASE
               WHEN b.j = 0 THEN p.start_date + ${between('mdb', 'c.gc', 15, 45)}
               WHEN b.j = 1 AND p.closed THEN p.end_date - ${between('mde', 'c.gc', 15, 45)}
               WHEN b.j = 1 OR (b.j = 2 AND p.closed)
                 THEN p.start_date + (p.observed_end - p.start_date) / 2
                      + ${between('mdm', 'c.gc', -15, 15)}
               WHEN b.j = 2
                 THEN p.start_date + floor(${draw('mdr', 'b.gm')} * (p.observed_end - p.start_date))::int
               ELSE p.start_date + floor((b.j - 3 + ${draw('mdr', 'b.gm')}) / ${routine}
                                         * (p.observed_end - p.start_date))::int
             END AS measured_on,
             CASE WHEN b.j >= 3 THEN (b.j - 3) % 3 ELSE 0 END AS split
        FROM base b
        JOIN syn_community c ON c.idx = b.community_idx
        JOIN syn_project p ON p.idx = c.project_idx
    ), levelled AS (
      SELECT d.*, ${draw('mb', 'd.sk')} AS b, ${draw('me', 'd.sk')} AS e,
             greatest(0, least(1, (d.measured_on - d.start_date)::float8
                                  / greatest(1, d.end_date - d.start_date))) AS progress
        FROM dated d
    ), based AS (
      SELECT l.*, ${byIndicator('l.k', (code) => INDICATOR_LEVELS[code].baseline('l.b'))} AS bl
        FROM levelled l
    ), valued AS (
      SELECT x.*, ${byIndicator('x.k', (code) => INDICATOR_LEVELS[code].endline('x.bl', 'x.e'))} AS el,
             ${byIndicator('x.k', (code) => `${INDICATOR_LEVELS[code].max ?? "'Infinity'"}::float8`)} AS max
        FROM based x
    )
    SELECT v.tenant_id, ${synId('measurement', 'v.gm')},
           (${uuidArray(INDICATOR_CODES.map((code) => SEED_IDS.indicators[code]))})[v.k + 1],
           v.project_id, v.community_id, v.period, v.measured_on,
           round(least(v.max, greatest(0,
             (v.bl + (v.el - v.bl) * CASE v.period WHEN 'BASELINE' THEN 0 WHEN 'ENDLINE' THEN 1
                                                   ELSE v.progress END)
             * CASE WHEN v.period = 'ROUTINE' THEN 0.95 + 0.1 * ${draw('mn', 'v.gm')} ELSE 1 END
             * CASE WHEN v.k IN (${sexDisaggregated.join(', ')}) AND v.split = 2 THEN 0.95 ELSE 1 END
           ))::numeric, 2),
           CASE WHEN v.period = 'ROUTINE' THEN
                  CASE WHEN v.split = 0 THEN ${between('ms', 'v.gm', 10, 40)}
                       ELSE ${between('ms', 'v.gm', 5, 20)} END
                ELSE ${between('ms', 'v.gm', 30, 120)} END,
           CASE WHEN v.k IN (${sexDisaggregated.join(', ')}) THEN
                  CASE v.split WHEN 1 THEN 'FEMALE' WHEN 2 THEN 'MALE' END END,
           CASE WHEN v.k IN (${ageDisaggregated.join(', ')}) THEN
                  CASE v.split WHEN 1 THEN 'AGE_18_24' WHEN 2 THEN 'AGE_25_49' END END,
           CASE WHEN v.period = 'ROUTINE'
                THEN 'Synthetic routine monitoring (seedSynthetic); not programme data.'
                ELSE 'Synthetic evaluation survey (seedSynthetic); not programme data.' END,
           CASE WHEN v.period = 'ROUTINE' THEN v.partner_id
                ELSE '${SEED_IDS.organisations.internationalAlert}'::uuid END,
           'syn-m-' || v.gm, '${CREATED_BY}', '${CREATED_BY}'
      FROM valued v`;
}
