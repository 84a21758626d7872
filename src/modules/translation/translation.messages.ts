import { chooseText } from './translation.languages';

/*
 * Client-facing error messages in the languages of the people who read them. Keyed by the
 * English message (its variable part captured); a message not listed stays in English. The
 * code (`extensions.code`) never changes: clients act on it, people read the message.
 */
type Catalogue = readonly (readonly [RegExp, Readonly<Record<string, string>>])[];

const MESSAGES: Catalogue = [
  [
    /^You are not allowed to see this$/,
    {
      ru: 'Вам не разрешено это видеть',
      tg: 'Ба шумо дидани ин иҷозат дода нашудааст',
      ky: 'Сизге муну көрүүгө уруксат жок',
      'uz-Latn': 'Sizga buni koʻrishga ruxsat berilmagan',
      'uz-Cyrl': 'Сизга буни кўришга рухсат берилмаган',
    },
  ],
  [
    /^You are not allowed to do this$/,
    {
      ru: 'Вам не разрешено это делать',
      tg: 'Ба шумо ин корро кардан иҷозат дода нашудааст',
      ky: 'Сизге муну жасоого уруксат жок',
      'uz-Latn': 'Sizga buni qilishga ruxsat berilmagan',
      'uz-Cyrl': 'Сизга буни қилишга рухсат берилмаган',
    },
  ],
  [
    /^Authentication required$/,
    {
      ru: 'Требуется вход в систему',
      tg: 'Ворид шудан ба система лозим аст',
      ky: 'Системага кирүү талап кылынат',
      'uz-Latn': 'Tizimga kirish talab qilinadi',
      'uz-Cyrl': 'Тизимга кириш талаб қилинади',
    },
  ],
  [
    /^(\w+) not found$/,
    {
      ru: 'Не найдено: $1',
      tg: 'Ёфт нашуд: $1',
      ky: 'Табылган жок: $1',
      'uz-Latn': 'Topilmadi: $1',
      'uz-Cyrl': 'Топилмади: $1',
    },
  ],
  [
    /^The (\w+) has changed since the version you read; reload it and retry$/,
    {
      ru: 'Запись ($1) изменилась после того, как вы её прочитали; загрузите её заново и повторите',
      tg: 'Сабт ($1) пас аз хондани шумо тағйир ёфт; онро аз нав бор карда, такрор кунед',
      ky: 'Жазуу ($1) сиз окугандан кийин өзгөрдү; аны кайра жүктөп, кайталаңыз',
      'uz-Latn': 'Yozuv ($1) siz oʻqiganingizdan keyin oʻzgardi; uni qayta yuklab, takrorlang',
      'uz-Cyrl': 'Ёзув ($1) сиз ўқиганингиздан кейин ўзгарди; уни қайта юклаб, такрорланг',
    },
  ],
  [
    /^You may not write in tenant ([A-Z]{2})$/,
    {
      ru: 'Вам нельзя вносить данные по стране $1',
      tg: 'Шумо наметавонед ба кишвари $1 маълумот ворид кунед',
      ky: 'Сиз $1 өлкөсүнө маалымат киргизе албайсыз',
      'uz-Latn': '$1 mamlakatiga maʼlumot kiritishingiz mumkin emas',
      'uz-Cyrl': '$1 мамлакатига маълумот киритишингиз мумкин эмас',
    },
  ],
];

/** `message` in the first language of `order` the catalogue has it in, or unchanged. */
export function translateMessage(message: string, order: readonly string[]): string {
  if (order.length === 0) return message;
  for (const [pattern, texts] of MESSAGES) {
    const found = pattern.exec(message);
    if (!found) continue;
    const chosen = chooseText(
      order,
      null,
      { value: message, language: 'en' },
      new Map(Object.entries(texts)),
    );
    return chosen!.language === 'en'
      ? message
      : chosen!.value.replace(/\$(\d)/g, (_m, i: string) => found[Number(i)] ?? '');
  }
  return message;
}
