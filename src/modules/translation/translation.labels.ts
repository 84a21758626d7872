import { registerEnumType } from 'type-graphql';

/*
 * Display labels of the enums people see in forms and reports, in every supported language.
 * Written for this programme's readers (country offices, partners, donors), short as a label
 * should be; the enum values themselves never change.
 */

/** The enums that have display labels. */
export enum LabelledEnum {
  ActivityType = 'ActivityType',
  MeasurementPeriod = 'MeasurementPeriod',
  ProjectStatus = 'ProjectStatus',
  Settlement = 'Settlement',
}

registerEnumType(LabelledEnum, {
  name: 'LabelledEnum',
  description: 'An enum whose values have display labels in every supported language.',
  valuesConfig: {
    ActivityType: { description: 'Kinds of activity.' },
    MeasurementPeriod: { description: 'Periods of measurement (baseline, midline, …).' },
    ProjectStatus: { description: 'Statuses of projects.' },
    Settlement: { description: 'Rural or urban settlements.' },
  },
});

type Labels = Readonly<Record<string, Readonly<Record<string, string>>>>;

export const ENUM_LABELS: Readonly<Record<LabelledEnum, Labels>> = {
  [LabelledEnum.ActivityType]: {
    TRAINING: {
      en: 'Training',
      ru: 'Тренинг',
      tg: 'Тренинг',
      ky: 'Тренинг',
      'uz-Latn': 'Trening',
      'uz-Cyrl': 'Тренинг',
    },
    INDUCTION_MEETING: {
      en: 'Induction meeting',
      ru: 'Вводная встреча',
      tg: 'Вохӯрии шиносоӣ',
      ky: 'Тааныштыруу жолугушуусу',
      'uz-Latn': 'Tanishuv uchrashuvi',
      'uz-Cyrl': 'Танишув учрашуви',
    },
    STUDY_VISIT: {
      en: 'Study visit',
      ru: 'Ознакомительный визит',
      tg: 'Сафари омӯзишӣ',
      ky: 'Тажрыйба алмашуу сапары',
      'uz-Latn': 'Oʻquv tashrifi',
      'uz-Cyrl': 'Ўқув ташрифи',
    },
    COMMUNITY_DIALOGUE: {
      en: 'Community dialogue',
      ru: 'Диалог в сообществе',
      tg: 'Гуфтугӯ дар ҷамоат',
      ky: 'Жамааттагы диалог',
      'uz-Latn': 'Mahalla muloqoti',
      'uz-Cyrl': 'Маҳалла мулоқоти',
    },
    RELIGIOUS_LEADER_SESSION: {
      en: 'Session with religious leaders',
      ru: 'Встреча с религиозными лидерами',
      tg: 'Вохӯрӣ бо пешвоёни динӣ',
      ky: 'Диний лидерлер менен жолугушуу',
      'uz-Latn': 'Diniy yetakchilar bilan uchrashuv',
      'uz-Cyrl': 'Диний етакчилар билан учрашув',
    },
    SAVINGS_GROUP: {
      en: 'Savings group',
      ru: 'Группа сбережений',
      tg: 'Гурӯҳи пасандоз',
      ky: 'Үнөмдөө тобу',
      'uz-Latn': 'Jamgʻarma guruhi',
      'uz-Cyrl': 'Жамғарма гуруҳи',
    },
    PSYCHOSOCIAL_SUPPORT: {
      en: 'Psychosocial support',
      ru: 'Психосоциальная поддержка',
      tg: 'Дастгирии равонӣ-иҷтимоӣ',
      ky: 'Психосоциалдык колдоо',
      'uz-Latn': 'Psixologik-ijtimoiy yordam',
      'uz-Cyrl': 'Психологик-ижтимоий ёрдам',
    },
    ADVOCACY_EVENT: {
      en: 'Advocacy event',
      ru: 'Адвокационное мероприятие',
      tg: 'Чорабинии ҳимоятгарӣ',
      ky: 'Адвокациялык иш-чара',
      'uz-Latn': 'Targʻibot tadbiri',
      'uz-Cyrl': 'Тарғибот тадбири',
    },
    REFERRAL: {
      en: 'Referral',
      ru: 'Перенаправление',
      tg: 'Равонакунӣ',
      ky: 'Жолдомо',
      'uz-Latn': 'Yoʻnaltirish',
      'uz-Cyrl': 'Йўналтириш',
    },
  },
  [LabelledEnum.MeasurementPeriod]: {
    BASELINE: {
      en: 'Baseline',
      ru: 'Исходный уровень',
      tg: 'Сатҳи ибтидоӣ',
      ky: 'Баштапкы деңгээл',
      'uz-Latn': 'Boshlangʻich holat',
      'uz-Cyrl': 'Бошланғич ҳолат',
    },
    MIDLINE: {
      en: 'Midline',
      ru: 'Промежуточная оценка',
      tg: 'Арзёбии мобайнӣ',
      ky: 'Аралык баалоо',
      'uz-Latn': 'Oraliq baholash',
      'uz-Cyrl': 'Оралиқ баҳолаш',
    },
    ENDLINE: {
      en: 'Endline',
      ru: 'Итоговая оценка',
      tg: 'Арзёбии ниҳоӣ',
      ky: 'Жыйынтыктоочу баалоо',
      'uz-Latn': 'Yakuniy baholash',
      'uz-Cyrl': 'Якуний баҳолаш',
    },
    ROUTINE: {
      en: 'Routine monitoring',
      ru: 'Текущий мониторинг',
      tg: 'Мониторинги ҷорӣ',
      ky: 'Күндөлүк мониторинг',
      'uz-Latn': 'Joriy monitoring',
      'uz-Cyrl': 'Жорий мониторинг',
    },
  },
  [LabelledEnum.ProjectStatus]: {
    PLANNED: {
      en: 'Planned',
      ru: 'Запланирован',
      tg: 'Ба нақша гирифта шуд',
      ky: 'Пландалган',
      'uz-Latn': 'Rejalashtirilgan',
      'uz-Cyrl': 'Режалаштирилган',
    },
    ACTIVE: {
      en: 'Active',
      ru: 'Действует',
      tg: 'Фаъол',
      ky: 'Иштеп жатат',
      'uz-Latn': 'Faol',
      'uz-Cyrl': 'Фаол',
    },
    CLOSED: {
      en: 'Closed',
      ru: 'Завершён',
      tg: 'Анҷом ёфт',
      ky: 'Аяктаган',
      'uz-Latn': 'Yakunlangan',
      'uz-Cyrl': 'Якунланган',
    },
  },
  [LabelledEnum.Settlement]: {
    RURAL: {
      en: 'Rural',
      ru: 'Сельский',
      tg: 'Деҳот',
      ky: 'Айыл',
      'uz-Latn': 'Qishloq',
      'uz-Cyrl': 'Қишлоқ',
    },
    URBAN: {
      en: 'Urban',
      ru: 'Городской',
      tg: 'Шаҳр',
      ky: 'Шаар',
      'uz-Latn': 'Shahar',
      'uz-Cyrl': 'Шаҳар',
    },
  },
};
