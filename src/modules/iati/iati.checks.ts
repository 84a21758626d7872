import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IatiActivity, IatiFile, IatiOrganisation, Narrative } from './iati.document';
import { iatiVendorDir } from './iati.validator';

/*
 * The IATI rules the schema cannot check and that matter for this programme's files (IATI's
 * own rulesets: "iati-activity must have a start date, a sector, a recipient country or region,
 * a currency", "period-start before period-end", "a baseline and actual value for measures 1–4",
 * "codes from the codelists"), plus ours: every narrative has a language, every organisation
 * an identifier. Each problem is a sentence naming what is wrong and where.
 */

const codelists = new Map<string, ReadonlySet<string>>();

/** The active codes of a vendored codelist (withdrawn ones excluded). */
export function codelist(name: string): ReadonlySet<string> {
  let codes = codelists.get(name);
  if (!codes) {
    const xml = readFileSync(join(iatiVendorDir(), 'codelists', `${name}.xml`), 'utf8');
    codes = new Set(
      [
        ...xml.matchAll(/<codelist-item(?![^>]*status="withdrawn")[^>]*>\s*<code>([^<]+)<\/code>/g),
      ].map((m) => m[1]!.trim()),
    );
    codelists.set(name, codes);
  }
  return codes;
}

const MEASURES_WITH_VALUES = new Set(['1', '2', '3', '4']);

/** Every rule the file breaks; none when it may be published. */
export function checkIatiFile(file: IatiFile): string[] {
  const problems: string[] = [];
  const organisationsWithoutRef = new Set<string>();
  for (const a of file.activities) {
    const where = `Activity ${a.identifier} (project ${a.projectCode})`;
    const add = (message: string) => problems.push(`${where}: ${message}`);
    for (const org of [a.reportingOrg, ...a.participating]) {
      if (!org.ref) organisationsWithoutRef.add(org.name.text);
      code(add, 'OrganisationType', org.type, `organisation type of ${org.name.text}`);
    }
    for (const role of a.participating.map((o) => o.role)) {
      code(add, 'OrganisationRole', role, 'participating-org role');
    }
    narratives(a).forEach(([n, field]) => {
      if (!n.text.trim()) add(`${field} is empty`);
      if (!codelist('Language').has(n.lang)) {
        add(`${field} has no language of the Language codelist (xml:lang "${n.lang}")`);
      }
    });
    if (!a.dates.some((d) => d.type === '1' || d.type === '2')) add('it has no start date');
    for (const d of a.dates) code(add, 'ActivityDateType', d.type, 'activity-date type');
    code(add, 'ActivityStatus', a.status, 'activity-status');
    code(add, 'Country', a.country, 'recipient-country');
    code(add, 'Currency', a.currency, 'default-currency');
    code(add, 'Sector', a.sector, 'sector');
    for (const r of a.results) {
      const result = (message: string) => add(`result ${r.code}: ${message}`);
      code(result, 'ResultType', r.type, 'result type');
      code(result, 'IndicatorMeasure', r.measure, 'indicator measure');
      const needsValues = MEASURES_WITH_VALUES.has(r.measure);
      for (const b of r.baselines) {
        if (needsValues && !Number.isFinite(b.value))
          result(`the baseline of ${b.year} has no value`);
      }
      for (const p of r.periods) {
        if (!(p.start < p.end))
          result(`the period ${p.start}–${p.end} does not start before it ends`);
        for (const actual of p.actuals) {
          if (needsValues && !Number.isFinite(actual.value)) {
            result(`the period ${p.start}–${p.end} has an actual without a value`);
          }
        }
      }
    }
  }
  for (const name of organisationsWithoutRef) {
    problems.unshift(
      `The organisation «${name}» has no IATI organisation identifier: a platform administrator sets it with setOrganisationIatiIdentifier`,
    );
  }
  return problems;
}

function code(add: (message: string) => void, list: string, value: string, field: string): void {
  if (!codelist(list).has(value)) add(`${field} "${value}" is not in the ${list} codelist`);
}

function narratives(a: IatiActivity): [Narrative, string][] {
  const org = (o: IatiOrganisation, field: string): [Narrative, string] => [o.name, field];
  return [
    [a.title, 'the title'],
    ...(a.description ? [[a.description, 'the description'] as [Narrative, string]] : []),
    org(a.reportingOrg, 'the reporting-org name'),
    ...a.participating.map((o) => org(o, `the name of ${o.name.text}`)),
    ...a.results.flatMap((r): [Narrative, string][] => [
      [r.title, `the title of result ${r.code}`],
      ...(r.description
        ? [[r.description, `the description of result ${r.code}`] as [Narrative, string]]
        : []),
    ]),
  ];
}
