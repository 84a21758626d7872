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
 * figure comes from iati_published_cells (migrations/1796185198185-iati-survey-rounds.ts), by
 * survey round, with the largest minimum cell size and deviations of the tenant and of every
 * sharing agreement it has made — small cells left out (never a gap with a reason), the rest
 * perturbed by the cell-key method, never exact — and approved measurements only.
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
/** A published cell of one round (iati_published_cells), with its indicator. */
type CellRow = {
  project_id: string;
  sex: 'FEMALE' | 'MALE' | 'OTHER' | null;
  period: 'BASELINE' | 'MIDLINE' | 'ENDLINE' | 'ROUTINE';
  window_start: string;
  window_end: string;
  indicator_code: string;
  indicator_name: string;
  indicator_description: string | null;
  indicator_unit: string;
  indicator_direction: string;
  value: number;
  respondents: number;
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
        AND m.approval_state = 'APPROVED'
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
 * The tenant's published cells, one per project, indicator, sex and survey round (baseline,
 * midline, endline; routine monitoring by quarter), protected as for the strictest recipient:
 * iati_published_cells (migrations/1796185198185-iati-survey-rounds.ts) takes the largest
 * minimum cell size and deviations of the tenant and of all its sharing agreements, leaves out
 * small cells and perturbs the rest by the cell-key method. Approved measurements only.
 */
async function publishedCells(ctx: RequestContext, tenantId: string): Promise<CellRow[]> {
  return ctx.tx.query<CellRow>(
    `SELECT c.project_id, c.sex, c.period, c.window_start::text, c.window_end::text,
            i.code AS indicator_code, i.name AS indicator_name,
            i.description AS indicator_description, i.unit AS indicator_unit,
            i.direction AS indicator_direction, c.value::float8 AS value,
            c.respondents
       FROM iati_published_cells($1) c
       JOIN indicators i ON i.id = c.indicator_id
      ORDER BY i.code, c.window_start, c.sex NULLS FIRST`,
    [tenantId],
  );
}

/**
 * One result per indicator with any published value: the baseline survey as `baseline`, and one
 * `period` per later round (midline, endline, each quarter of routine monitoring) over the
 * round's window, with its actual values.
 */
function resultsOf(
  cells: readonly CellRow[],
  baselineDay: (code: string) => string | undefined,
): IatiResult[] {
  const codes = [...new Set(cells.map((c) => c.indicator_code))];
  return codes.flatMap((code): IatiResult[] => {
    const mine = cells.filter((c) => c.indicator_code === code);
    const sex = (c: CellRow): IatiValue['sex'] =>
      c.sex === 'FEMALE' ? 'F' : c.sex === 'MALE' ? 'M' : null;
    // Other sexes are too few to publish apart; they stay in the totals.
    const usable = mine.filter((c) => c.sex === null || sex(c) !== null);
    const day = baselineDay(code);
    const baselines: IatiBaseline[] = usable
      .filter((c) => c.period === 'BASELINE')
      .map((c) => ({
        year: Number((day ?? c.window_start).slice(0, 4)),
        isoDate: c.sex === null ? (day ?? null) : null,
        value: c.value,
        sampleSize: c.respondents,
        sex: sex(c),
      }));
    const rounds = new Map<string, CellRow[]>();
    for (const c of usable.filter((cell) => cell.period !== 'BASELINE')) {
      const key = `${c.window_start}/${c.window_end}`;
      rounds.set(key, [...(rounds.get(key) ?? []), c]);
    }
    const periods: IatiPeriod[] = [...rounds.values()].map((round) => ({
      start: round[0]!.window_start,
      end: round[0]!.window_end,
      actuals: round.map((c) => ({ value: c.value, sampleSize: c.respondents, sex: sex(c) })),
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
