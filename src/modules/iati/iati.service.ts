import { Capability } from '../../auth/access';
import { DomainError, ErrorCode, forbidden } from '../../common/errors';
import type { RequestContext } from '../../context';
import { checkIatiFile } from './iati.checks';
import {
  type IatiActivity,
  type IatiBaseline,
  type IatiOrganisation,
  type IatiPeriod,
  type IatiResult,
  type IatiValue,
  iatiXml,
  type Narrative,
} from './iati.document';
import { IatiSchemaValidator } from './iati.validator';

/*
 * A tenant's IATI 2.03 activity file (docs/iati.md): one iati-activity per project.
 *
 * What it publishes is public, so it is read the way the strictest recipient reads: every
 * figure comes from outcome_cells (migrations/1796156655380-disclosure-control.ts), the one
 * function cells leave the database by, as a governed preview — small cells suppressed, the
 * rest perturbed by the cell-key method, never exact — and a suppressed cell is left out, never
 * published as a gap with a reason. Approval (the workflow being built beside this): once measurements carry an approval
 * state, outcome_cells is where "approved data only" is decided for every aggregate, and this
 * export reads through it unchanged; if approval lands as an option of outcomeSummaries
 * instead, pass it here too (the one call is `publishedCells`).
 *
 * The file is checked against IATI's rules (iati.checks.ts) and validated against the vendored
 * XSD before it is served: a file that fails either is refused with the problems named, never
 * served invalid.
 */

/** The DAC 5-digit sector of the programme: "Ending violence against women and girls". */
export const DEFAULT_SECTOR = '15180';

/** National currencies (ISO 4217) of the programme's countries; others report in USD. */
const CURRENCIES: Readonly<Record<string, string>> = {
  TJ: 'TJS',
  KG: 'KGS',
  UZ: 'UZS',
  KZ: 'KZT',
  TM: 'TMT',
};

const STATUS: Readonly<Record<string, string>> = { PLANNED: '1', ACTIVE: '2', CLOSED: '4' };
const ROLE: Readonly<Record<string, string>> = { IMPLEMENTER: '4', DONOR: '1', PARTNER: '2' };
const ORGANISATION_TYPE: Readonly<Record<string, string>> = {
  IMPLEMENTER: '21',
  PARTNER_NGO: '22',
  UN_AGENCY: '40',
  DONOR: '10',
  GOVERNMENT: '10',
  RELIGIOUS_INSTITUTION: '90',
  COMMUNITY_GROUP: '22',
};
/** IndicatorMeasure: 1 unit, 2 percentage. */
const MEASURE: Readonly<Record<string, string>> = {
  PERCENT: '2',
  COUNT: '1',
  CURRENCY: '1',
  SCORE: '1',
  INDEX: '1',
};
/** Organisations that name themselves in the country's language (the rest: English). */
const LOCAL_KINDS = new Set(['PARTNER_NGO', 'COMMUNITY_GROUP', 'RELIGIOUS_INSTITUTION']);

type ProjectRow = {
  id: string;
  code: string;
  name: string;
  description: string | null;
  status: string;
  start_date: string;
  end_date: string | null;
  updated_at: string;
};
type OrganisationRow = {
  project_id: string;
  role: string;
  name: string;
  kind: string;
  iati_identifier: string | null;
};
type CellRow = {
  project_id: string | null;
  sex: 'FEMALE' | 'MALE' | 'OTHER' | null;
  year: number | null;
  indicator_code: string;
  indicator_name: string;
  indicator_description: string | null;
  indicator_unit: string;
  indicator_direction: string;
  baseline: number | null;
  latest: number | null;
  baseline_n: number | null;
  latest_n: number | null;
  suppressed: boolean;
};

/** The tenant's IATI activity XML, checked and schema-valid; CONFLICT with the problems if not. */
export async function iatiActivitiesXml(ctx: RequestContext, tenantCode: string): Promise<string> {
  const tenantId = ctx.access.tenantForCode(Capability.PUBLISH, tenantCode.trim());
  if (!tenantId) {
    throw forbidden('You may not publish the IATI file of this tenant (its admins may)');
  }
  const [tenant] = await ctx.tx.query<{ code: string; default_locale: string }>(
    `SELECT code, default_locale FROM tenants WHERE id = $1`,
    [tenantId],
  );
  const params: unknown[] = [tenantId];
  const scope = ctx.access.tenantScopeSql(Capability.PUBLISH, 'p.tenant_id', params);
  const projects = await ctx.tx.query<ProjectRow>(
    `SELECT p.id, p.code, p.name, p.description, p.status, p.start_date::text,
            p.end_date::text, to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at
       FROM projects p WHERE p.tenant_id = $1 AND ${scope} ORDER BY p.code`,
    params,
  );
  const organisations = await ctx.tx.query<OrganisationRow>(
    `SELECT po.project_id, po.role, o.name, o.kind, o.iati_identifier
       FROM projects p
       JOIN project_organisations po ON po.tenant_id = p.tenant_id AND po.project_id = p.id
       JOIN organisations o ON o.id = po.organisation_id
      WHERE p.tenant_id = $1 AND ${scope}
      ORDER BY CASE po.role WHEN 'IMPLEMENTER' THEN 0 WHEN 'DONOR' THEN 1 ELSE 2 END, o.name`,
    params,
  );
  const baselineDates = await ctx.tx.query<{ project_id: string; code: string; day: string }>(
    `SELECT m.project_id, i.code, min(m.measured_on)::text AS day
       FROM projects p
       JOIN measurements m ON m.tenant_id = p.tenant_id AND m.project_id = p.id
       JOIN indicators i ON i.id = m.indicator_id
      WHERE p.tenant_id = $1 AND ${scope} AND m.deleted_at IS NULL AND m.period = 'BASELINE'
      GROUP BY 1, 2`,
    params,
  );
  const cells = await publishedCells(ctx, tenantId);

  const lang = (tenant?.default_locale ?? 'en').slice(0, 2).toLowerCase();
  const country = tenant?.code ?? tenantCode.toUpperCase();
  const activities = projects.map((project): IatiActivity => {
    const orgs = organisations.filter((o) => o.project_id === project.id);
    const implementer = orgs.find((o) => o.role === 'IMPLEMENTER');
    const organisation = (o: OrganisationRow): IatiOrganisation => ({
      ref: o.iati_identifier,
      type: ORGANISATION_TYPE[o.kind] ?? '90',
      name: { text: o.name, lang: languageOf(o.name, LOCAL_KINDS.has(o.kind) ? lang : 'en') },
    });
    const reportingOrg: IatiOrganisation = implementer
      ? organisation(implementer)
      : {
          ref: null,
          type: '90',
          name: { text: `(no implementer of ${project.code})`, lang: 'en' },
        };
    return {
      identifier: `${reportingOrg.ref ?? 'NO-IDENTIFIER'}-${project.code}`,
      projectCode: project.code,
      defaultLang: 'en',
      currency: CURRENCIES[country] ?? 'USD',
      reportingOrg,
      title: text(project.name),
      description: project.description ? text(project.description) : null,
      participating: orgs.map((o) => ({ ...organisation(o), role: ROLE[o.role] ?? '2' })),
      status: STATUS[project.status] ?? '2',
      dates: activityDates(project),
      country,
      sector: DEFAULT_SECTOR,
      lastUpdated: project.updated_at,
      results: resultsOf(
        cells.filter((c) => c.project_id === project.id),
        (code) => baselineDates.find((d) => d.project_id === project.id && d.code === code)?.day,
      ),
    };
  });
  const file = { generated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), activities };
  const problems = checkIatiFile(file);
  if (problems.length > 0) throw unpublishable(problems);
  const xml = iatiXml(file);
  const schemaErrors = await IatiSchemaValidator.instance().validate(xml);
  if (schemaErrors.length > 0) {
    ctx.log.error({ schemaErrors }, 'the IATI file built does not validate');
    throw unpublishable(schemaErrors.map((e) => `Schema (line ${e.line}): ${e.message}`));
  }
  return xml;
}

function unpublishable(problems: string[]): DomainError {
  return new DomainError(
    ErrorCode.CONFLICT,
    `The IATI file cannot be published: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    { problems },
  );
}

/**
 * The tenant's cells by project and year, and by project, year and sex, as a governed preview
 * with the tenant's rules (its minimum cell size, the default deviations): what any recipient
 * would be shown at most. Every visible indicator of the tenant.
 */
async function publishedCells(ctx: RequestContext, tenantId: string): Promise<CellRow[]> {
  const indicators = await ctx.tx.query<{ id: string }>(
    `SELECT i.id FROM indicators i WHERE i.tenant_id IS NULL OR i.tenant_id = $1 ORDER BY i.code`,
    [tenantId],
  );
  if (indicators.length === 0) return [];
  const read = (groupBy: string[]) =>
    ctx.tx.query<CellRow>(
      `SELECT c.project_id, c.sex, c.year, c.indicator_code, c.indicator_name,
              c.indicator_description, c.indicator_unit, c.indicator_direction,
              c.baseline::float8 AS baseline, c.latest::float8 AS latest,
              c.baseline_n::int AS baseline_n, c.latest_n::int AS latest_n, c.suppressed
         FROM outcome_cells($1::uuid[], $2::uuid[], NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                            $3::text[], true, NULL) c
        ORDER BY c.indicator_code, c.year, c.sex`,
      [indicators.map(() => tenantId), indicators.map((i) => i.id), groupBy],
    );
  const totals = await read(['INDICATOR', 'PROJECT', 'YEAR']);
  const bySex = await read(['INDICATOR', 'PROJECT', 'YEAR', 'SEX']);
  return [...totals.map((c) => ({ ...c, sex: null })), ...bySex.filter((c) => c.sex !== null)];
}

/** One result per indicator with any published value: baselines and one period per year. */
function resultsOf(
  cells: readonly CellRow[],
  baselineDay: (code: string) => string | undefined,
): IatiResult[] {
  const published = cells.filter((c) => !c.suppressed && c.year !== null);
  const codes = [...new Set(published.map((c) => c.indicator_code))];
  return codes.flatMap((code): IatiResult[] => {
    const mine = published.filter((c) => c.indicator_code === code);
    const sex = (c: CellRow): IatiValue['sex'] =>
      c.sex === 'FEMALE' ? 'F' : c.sex === 'MALE' ? 'M' : null;
    // Other sexes are too few to publish apart; they stay in the totals.
    const usable = mine.filter((c) => c.sex === null || sex(c) !== null);
    const baselineYear = Math.min(...usable.filter((c) => c.baseline !== null).map((c) => c.year!));
    const baselines: IatiBaseline[] = usable
      .filter((c) => c.baseline !== null && c.year === baselineYear)
      .map((c) => ({
        year: c.year!,
        isoDate: c.sex === null ? (baselineDay(code) ?? null) : null,
        value: c.baseline!,
        sampleSize: c.baseline_n ?? 0,
        sex: sex(c),
      }));
    const years = [...new Set(usable.filter((c) => c.latest !== null).map((c) => c.year!))];
    const periods: IatiPeriod[] = years
      .sort((a, b) => a - b)
      .map((year) => ({
        start: `${year}-01-01`,
        end: `${year}-12-31`,
        actuals: usable
          .filter((c) => c.year === year && c.latest !== null)
          .map((c) => ({ value: c.latest!, sampleSize: c.latest_n ?? 0, sex: sex(c) })),
      }));
    if (baselines.length === 0 && periods.length === 0) return [];
    const first = mine[0]!;
    return [
      {
        code,
        type: '2',
        title: text(first.indicator_name),
        description: first.indicator_description ? text(first.indicator_description) : null,
        measure: MEASURE[first.indicator_unit] ?? '1',
        ascending: first.indicator_direction === 'INCREASE_IS_BETTER',
        baselines,
        periods,
      },
    ];
  });
}

/** Planned start and end; actual start once it began, actual end once it closed. */
function activityDates(project: ProjectRow): { type: string; isoDate: string }[] {
  const today = new Date().toISOString().slice(0, 10);
  const dates = [{ type: '1', isoDate: project.start_date }];
  if (project.status !== 'PLANNED' && project.start_date <= today) {
    dates.push({ type: '2', isoDate: project.start_date });
  }
  if (project.end_date) {
    dates.push({ type: '3', isoDate: project.end_date });
    if (project.status === 'CLOSED' && project.end_date <= today) {
      dates.push({ type: '4', isoDate: project.end_date });
    }
  }
  return dates;
}

/** Programme texts are written in English unless their script says otherwise. */
function text(value: string): Narrative {
  return { text: value, lang: languageOf(value, 'en') };
}

/**
 * The language of a name, from its letters: the Cyrillic scripts by their own letters (Tajik
 * ҷ ӣ ӯ, Kyrgyz ң ө ү, Uzbek ў), other Cyrillic as Russian; Latin text in `latin` (the
 * country's language for local organisations, English otherwise). ISO 639-1, as the IATI
 * Language codelist wants: Uzbek is `uz` in either script.
 */
function languageOf(value: string, latin: string): string {
  if (!/[\u0400-\u04FF]/.test(value)) return latin;
  if (/[ҷӣӯ]/i.test(value)) return 'tg';
  if (/[ңөү]/i.test(value)) return 'ky';
  if (/[ў]/i.test(value)) return 'uz';
  if (/[ҳқғ]/i.test(value)) return latin === 'uz' ? 'uz' : 'tg';
  return 'ru';
}
