/*
 * The IATI 2.03 activity file as data (what the service gathers) and as XML (what is served).
 * Nothing here reads the database or decides what may be published: the service passes only
 * values that passed the disclosure rules, and the checks and the schema judge the result.
 */

/** Our own namespace, for what IATI has no element for (sample sizes). */
export const DG_NAMESPACE = 'https://dignity-graph.org/ns/iati/1';

/** A text in one language (ISO 639-1, the IATI Language codelist). */
export type Narrative = Readonly<{ text: string; lang: string }>;

export type IatiOrganisation = Readonly<{
  /** IATI organisation identifier; null makes the file unpublishable (the checks say so). */
  ref: string | null;
  /** OrganisationType code. */
  type: string;
  name: Narrative;
}>;

/** One value with its sample size; `sex` F or M for a disaggregated value. */
export type IatiValue = Readonly<{ value: number; sampleSize: number; sex: 'F' | 'M' | null }>;

export type IatiBaseline = IatiValue & Readonly<{ year: number; isoDate: string | null }>;

export type IatiPeriod = Readonly<{ start: string; end: string; actuals: readonly IatiValue[] }>;

export type IatiResult = Readonly<{
  /** The indicator's code, for messages. */
  code: string;
  /** ResultType code (2: outcome). */
  type: string;
  title: Narrative;
  description: Narrative | null;
  /** IndicatorMeasure code. */
  measure: string;
  ascending: boolean;
  baselines: readonly IatiBaseline[];
  periods: readonly IatiPeriod[];
}>;

export type IatiActivity = Readonly<{
  identifier: string;
  /** The project's code, for messages. */
  projectCode: string;
  defaultLang: string;
  currency: string;
  reportingOrg: IatiOrganisation;
  title: Narrative;
  description: Narrative | null;
  participating: readonly (IatiOrganisation & { role: string })[];
  /** ActivityStatus code. */
  status: string;
  /** ActivityDateType code and day. */
  dates: readonly { type: string; isoDate: string }[];
  country: string;
  /** DAC 5-digit sector code (vocabulary 1). */
  sector: string;
  lastUpdated: string;
  results: readonly IatiResult[];
}>;

export type IatiFile = Readonly<{ generated: string; activities: readonly IatiActivity[] }>;

/** The file as IATI 2.03 activity XML, elements in the schema's order. */
export function iatiXml(file: IatiFile): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<iati-activities version="2.03" generated-datetime="${file.generated}" xmlns:dg="${DG_NAMESPACE}">`,
  ];
  for (const activity of file.activities) activityXml(out, activity);
  out.push('</iati-activities>', '');
  return out.join('\n');
}

function activityXml(out: string[], a: IatiActivity): void {
  out.push(
    `  <iati-activity xml:lang="${attr(a.defaultLang)}" default-currency="${attr(a.currency)}" last-updated-datetime="${attr(a.lastUpdated)}" hierarchy="1">`,
    `    <iati-identifier>${text(a.identifier)}</iati-identifier>`,
    `    <reporting-org ref="${attr(a.reportingOrg.ref ?? '')}" type="${attr(a.reportingOrg.type)}">`,
    `      ${narrative(a.reportingOrg.name)}`,
    '    </reporting-org>',
    `    <title>${narrative(a.title)}</title>`,
  );
  if (a.description)
    out.push(`    <description type="1">${narrative(a.description)}</description>`);
  for (const org of a.participating) {
    const ref = org.ref ? ` ref="${attr(org.ref)}"` : '';
    out.push(
      `    <participating-org role="${attr(org.role)}" type="${attr(org.type)}"${ref}>`,
      `      ${narrative(org.name)}`,
      '    </participating-org>',
    );
  }
  out.push(`    <activity-status code="${attr(a.status)}"/>`);
  for (const date of a.dates) {
    out.push(`    <activity-date type="${attr(date.type)}" iso-date="${attr(date.isoDate)}"/>`);
  }
  out.push(
    `    <recipient-country code="${attr(a.country)}" percentage="100"/>`,
    `    <sector vocabulary="1" code="${attr(a.sector)}" percentage="100"/>`,
  );
  for (const result of a.results) resultXml(out, result);
  out.push('  </iati-activity>');
}

function resultXml(out: string[], r: IatiResult): void {
  out.push(
    `    <result type="${attr(r.type)}" aggregation-status="0">`,
    `      <title>${narrative(r.title)}</title>`,
  );
  if (r.description) out.push(`      <description>${narrative(r.description)}</description>`);
  out.push(
    `      <indicator measure="${attr(r.measure)}" ascending="${r.ascending ? '1' : '0'}">`,
    `        <title>${narrative(r.title)}</title>`,
  );
  if (r.description) out.push(`        <description>${narrative(r.description)}</description>`);
  for (const b of r.baselines) {
    const iso = b.isoDate ? ` iso-date="${attr(b.isoDate)}"` : '';
    out.push(`        <baseline year="${b.year}"${iso} value="${number(b.value)}">`);
    valueChildren(out, b, '          ');
    out.push('        </baseline>');
  }
  for (const p of r.periods) {
    out.push(
      '        <period>',
      `          <period-start iso-date="${attr(p.start)}"/>`,
      `          <period-end iso-date="${attr(p.end)}"/>`,
    );
    for (const actual of p.actuals) {
      out.push(`          <actual value="${number(actual.value)}">`);
      valueChildren(out, actual, '            ');
      out.push('          </actual>');
    }
    out.push('        </period>');
  }
  out.push('      </indicator>', '    </result>');
}

function valueChildren(out: string[], v: IatiValue, indent: string): void {
  if (v.sex) out.push(`${indent}<dimension name="sex" value="${v.sex}"/>`);
  out.push(`${indent}<dg:sample-size value="${Math.round(v.sampleSize)}"/>`);
}

function narrative(n: Narrative): string {
  return `<narrative xml:lang="${attr(n.lang)}">${text(n.text)}</narrative>`;
}

/** A published value: at most four decimals, no exponent. */
function number(value: number): string {
  return String(Number(value.toFixed(4)));
}

/** Characters XML 1.0 does not allow at all (C0 controls but tab, newline, return). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

function text(value: string): string {
  return value
    .replace(NOT_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
