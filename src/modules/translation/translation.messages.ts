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
  [
    /^You may not change this (\w+)$/,
    {
      ru: 'Вам нельзя изменять эту запись ($1)',
      tg: 'Шумо наметавонед ин сабтро ($1) тағйир диҳед',
      ky: 'Сиз бул жазууну ($1) өзгөртө албайсыз',
      'uz-Latn': 'Siz bu yozuvni ($1) oʻzgartira olmaysiz',
      'uz-Cyrl': 'Сиз бу ёзувни ($1) ўзгартира олмайсиз',
    },
  ],
  [
    /^You may not record activities of this project$/,
    {
      ru: 'Вам нельзя вносить мероприятия этого проекта',
      tg: 'Шумо наметавонед чорабиниҳои ин лоиҳаро ворид кунед',
      ky: 'Сиз бул долбоордун иш-чараларын киргизе албайсыз',
      'uz-Latn': 'Siz bu loyihaning tadbirlarini kirita olmaysiz',
      'uz-Cyrl': 'Сиз бу лойиҳанинг тадбирларини кирита олмайсиз',
    },
  ],
  [
    /^You may not record measurements of this project$/,
    {
      ru: 'Вам нельзя вносить измерения этого проекта',
      tg: 'Шумо наметавонед ченакҳои ин лоиҳаро ворид кунед',
      ky: 'Сиз бул долбоордун өлчөөлөрүн киргизе албайсыз',
      'uz-Latn': 'Siz bu loyihaning oʻlchovlarini kirita olmaysiz',
      'uz-Cyrl': 'Сиз бу лойиҳанинг ўлчовларини кирита олмайсиз',
    },
  ],
  [
    /^No such project, or it is hidden from you$/,
    {
      ru: 'Такого проекта нет, или он вам недоступен',
      tg: 'Чунин лоиҳа нест ё он барои шумо дастрас нест',
      ky: 'Мындай долбоор жок же ал сизге жеткиликсиз',
      'uz-Latn': 'Bunday loyiha yoʻq yoki u sizga ochiq emas',
      'uz-Cyrl': 'Бундай лойиҳа йўқ ёки у сизга очиқ эмас',
    },
  ],
  [
    /^The project does not target this community$/,
    {
      ru: 'Проект не охватывает это сообщество',
      tg: 'Лоиҳа ин ҷамоатро фаро намегирад',
      ky: 'Долбоор бул жамаатты камтыбайт',
      'uz-Latn': 'Loyiha bu jamoani qamrab olmaydi',
      'uz-Cyrl': 'Лойиҳа бу жамоани қамраб олмайди',
    },
  ],
  [
    /^You may not administer tenant ([A-Z]{2})$/,
    {
      ru: 'Вы не администрируете страну $1',
      tg: 'Шумо маъмури кишвари $1 нестед',
      ky: 'Сиз $1 өлкөсүнүн администратору эмессиз',
      'uz-Latn': 'Siz $1 mamlakatining administratori emassiz',
      'uz-Cyrl': 'Сиз $1 мамлакатининг администратори эмассиз',
    },
  ],
  [
    /^"(.+)" is not a supported language \((.+)\)$/,
    {
      ru: '«$1» — неподдерживаемый язык ($2)',
      tg: '«$1» забони дастгиришаванда нест ($2)',
      ky: '«$1» колдоого алынган тил эмес ($2)',
      'uz-Latn': '«$1» qoʻllab-quvvatlanadigan til emas ($2)',
      'uz-Cyrl': '«$1» қўллаб-қувватланадиган тил эмас ($2)',
    },
  ],
  [
    /^The tenant does not offer (\S+); its languages are (.+)$/,
    {
      ru: 'Эта страна не предлагает язык $1; её языки: $2',
      tg: 'Ин кишвар забони $1-ро пешниҳод намекунад; забонҳои он: $2',
      ky: 'Бул өлкө $1 тилин сунуштабайт; анын тилдери: $2',
      'uz-Latn': 'Bu mamlakat $1 tilini taklif qilmaydi; uning tillari: $2',
      'uz-Cyrl': 'Бу мамлакат $1 тилини таклиф қилмайди; унинг тиллари: $2',
    },
  ],
  // class-validator's messages of the text rules (common/validation.ts), field kept as named.
  [
    /^([\w.]+): \w+ must not be empty$/,
    {
      ru: 'Поле $1 не должно быть пустым',
      tg: 'Майдони $1 набояд холӣ бошад',
      ky: '$1 талаасы бош болбошу керек',
      'uz-Latn': '$1 maydoni boʻsh boʻlmasligi kerak',
      'uz-Cyrl': '$1 майдони бўш бўлмаслиги керак',
    },
  ],
  [
    /^([\w.]+): \w+ must be at most (\d+) characters$/,
    {
      ru: 'Поле $1: не более $2 символов',
      tg: 'Майдони $1: на зиёда аз $2 аломат',
      ky: '$1 талаасы: $2 белгиден ашпашы керек',
      'uz-Latn': '$1 maydoni: $2 belgidan oshmasligi kerak',
      'uz-Cyrl': '$1 майдони: $2 белгидан ошмаслиги керак',
    },
  ],
  [
    /^([\w.]+): \w+ must not contain NUL or other control characters$/,
    {
      ru: 'Поле $1 не должно содержать управляющих символов',
      tg: 'Майдони $1 набояд аломатҳои идоракуниро дар бар гирад',
      ky: '$1 талаасында башкаруучу белгилер болбошу керек',
      'uz-Latn': '$1 maydonida boshqaruv belgilari boʻlmasligi kerak',
      'uz-Cyrl': '$1 майдонида бошқарув белгилари бўлмаслиги керак',
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
