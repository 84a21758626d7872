import { validate } from 'class-validator';
import { csvRecord } from '../../common/csv';
import { badUserInput, forbidden } from '../../common/errors';
import type { RequestContext } from '../../context';
import { OutcomeDimension, OutcomeFilter, OutcomeSummariesArgs } from '../outcome/outcome.inputs';
import { outcomeSummaries } from '../outcome/outcome.service';
import type { OutcomeSummary } from '../outcome/outcome.type';

/*
 * Outcome summaries as SDMX-CSV 2.0 (docs/sdmx.md holds the data structure definition). The
 * cells are outcomeSummaries' own — the same call, so the same sharing agreements,
 * suppression, perturbation and audit — written one observation per summary and statistic.
 */

export const SDMX_CSV_TYPE = 'application/vnd.sdmx.data+csv; version=2.0.0';
export const STRUCTURE_ID = 'DIGNITY_GRAPH:DSD_DV_OUTCOMES(1.0)';

export type Labels = 'id' | 'name' | 'both';

/** The statistics of one summary, each an observation. */
const STATISTICS = [
  ['BASELINE', 'Baseline mean', (s: OutcomeSummary) => s.baseline],
  ['LATEST', 'Latest mean', (s: OutcomeSummary) => s.latest],
  ['ABS_CHANGE', 'Absolute change (latest − baseline)', (s: OutcomeSummary) => s.absoluteChange],
  [
    'REL_CHANGE',
    'Relative change (latest / baseline − 1)',
    (s: OutcomeSummary) => s.relativeChange,
  ],
  ['FOLD_CHANGE', 'Fold change (latest / baseline)', (s: OutcomeSummary) => s.foldChange],
] as const;

/** Column id and name, in the DSD's order (docs/sdmx.md). */
export const COLUMNS: readonly (readonly [string, string])[] = [
  ['STRUCTURE', 'Structure'],
  ['STRUCTURE_ID', 'Structure identifier'],
  ['ACTION', 'Action'],
  ['REF_AREA', 'Reference area'],
  ['REGION', 'Region'],
  ['PROJECT', 'Project'],
  ['COMMUNITY', 'Community'],
  ['URBANISATION', 'Degree of urbanisation'],
  ['SEX', 'Sex'],
  ['TIME_PERIOD', 'Time period'],
  ['INDICATOR', 'Indicator'],
  ['STATISTIC', 'Statistic'],
  ['OBS_VALUE', 'Observation value'],
  ['UNIT_MEASURE', 'Unit of measure'],
  ['OBS_STATUS', 'Observation status'],
  ['CONF_STATUS', 'Confidentiality status'],
  ['SAMPLE_SIZE', 'Sample size (respondents)'],
  ['COMMUNITIES', 'Communities'],
];

const SEX: Readonly<Record<string, [string, string]>> = {
  FEMALE: ['F', 'Female'],
  MALE: ['M', 'Male'],
  OTHER: ['_O', 'Other'],
};
const URBANISATION: Readonly<Record<string, [string, string]>> = {
  RURAL: ['R', 'Rural'],
  URBAN: ['U', 'Urban'],
};
const UNIT: Readonly<Record<string, [string, string]>> = {
  PERCENT: ['PT', 'Percent'],
  COUNT: ['NUMBER', 'Number'],
  CURRENCY: ['LCU', 'Local currency unit'],
  SCORE: ['SCORE', 'Score'],
  INDEX: ['IX', 'Index'],
};
const TOTAL: [string, string] = ['_T', 'Total'];

/** The request's query string as outcomeSummaries' arguments, validated the same way. */
export async function sdmxArguments(
  query: Record<string, unknown>,
): Promise<{ args: OutcomeSummariesArgs; labels: Labels }> {
  const list = (name: string): string[] | null => {
    const value = query[name];
    if (value === undefined) return null;
    const text = (Array.isArray(value) ? value : [value])
      .map((v) => (typeof v === 'string' ? v : ''))
      .join(',');
    return text
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  };
  const one = (name: string): string | null => {
    const value = query[name];
    if (value === undefined) return null;
    if (typeof value !== 'string') throw badUserInput(name, `${name} may be given once`);
    return value;
  };
  const labels = one('labels') ?? 'id';
  if (labels !== 'id' && labels !== 'name' && labels !== 'both') {
    throw badUserInput('labels', 'labels is id, name or both');
  }
  const groupBy = list('groupBy') ?? [];
  const dimensions = Object.values(OutcomeDimension) as string[];
  const unknown = groupBy.find((d) => !dimensions.includes(d.toUpperCase()));
  if (unknown)
    throw badUserInput(
      'groupBy',
      `groupBy: unknown dimension ${unknown} (one of ${dimensions.join(', ')})`,
    );
  const preview = one('preview');
  if (preview !== null && preview !== 'true' && preview !== 'false') {
    throw badUserInput('preview', 'preview is true or false');
  }
  const filter = Object.assign(new OutcomeFilter(), {
    tenants: list('tenants'),
    indicatorCodes: list('indicatorCodes'),
    projectIds: list('projectIds'),
    communityIds: list('communityIds'),
    settlement: one('settlement'),
    from: one('from'),
    to: one('to'),
  });
  const args = Object.assign(new OutcomeSummariesArgs(), {
    filter,
    groupBy: groupBy.map((d) => d.toUpperCase() as OutcomeDimension),
    preview: preview === 'true',
    agreementId: one('agreementId'),
  });
  const errors = [
    ...(await validate(args, { forbidUnknownValues: false })),
    ...(await validate(filter, { forbidUnknownValues: false })),
  ];
  const shapes: [string, RegExp][] = [
    ['from', /^\d{4}-\d{2}-\d{2}$/],
    ['to', /^\d{4}-\d{2}-\d{2}$/],
    ['settlement', /^(RURAL|URBAN)$/],
    ['agreementId', /^[0-9a-f-]{36}$/i],
  ];
  for (const [name, shape] of shapes) {
    const value = one(name);
    if (value !== null && !shape.test(value)) throw badUserInput(name, `${name} is malformed`);
  }
  for (const name of ['projectIds', 'communityIds']) {
    if ((list(name) ?? []).some((id) => !/^[0-9a-f-]{36}$/i.test(id))) {
      throw badUserInput(name, `${name} are UUIDs, separated by commas`);
    }
  }
  if (errors.length > 0) {
    const error = errors[0]!;
    throw badUserInput(error.property, Object.values(error.constraints ?? {})[0] ?? 'is invalid');
  }
  return { args, labels };
}

/** The summaries as SDMX-CSV 2.0: a header record, then one record per summary and statistic. */
export async function outcomesSdmxCsv(
  ctx: RequestContext,
  args: OutcomeSummariesArgs,
  labels: Labels,
): Promise<string> {
  // outcomeSummaries' own shield rule, which a route does not pass through.
  if (!ctx.access.readsAggregates) throw forbidden('You may not read aggregates');
  const summaries = await outcomeSummaries(ctx, args);
  const tenantIds = [...new Set(summaries.map((s) => s.tenantId).filter((id) => id !== null))];
  const tenants = new Map(
    (
      await ctx.tx.query<{ id: string; code: string; name: string }>(
        `SELECT id, code, name FROM tenants WHERE id = ANY ($1::uuid[])`,
        [tenantIds],
      )
    ).map((t) => [t.id, [t.code, t.name] as [string, string]]),
  );
  const communities = new Map<string, [string, string]>();
  const communityIds = [
    ...new Set(summaries.map((s) => s.communityId).filter((id) => id !== null)),
  ];
  if (communityIds.length > 0) {
    const params: unknown[] = [communityIds];
    const visible = ctx.access.communityVisibleSql('c.tenant_id', 'c.id', params);
    for (const c of await ctx.tx.query<{ id: string; name: string }>(
      `SELECT c.id, c.name FROM communities c WHERE c.id = ANY ($1::uuid[]) AND ${visible}`,
      params,
    )) {
      communities.set(c.id, [c.id, c.name]);
    }
  }
  const label = ([id, name]: readonly [string, string]): string =>
    labels === 'id' ? id : labels === 'name' ? name : `${id}: ${name}`;
  const text = (value: string | null): [string, string] =>
    value === null ? TOTAL : [value, value];

  const out = [csvRecord(COLUMNS.map(label))];
  for (const s of summaries) {
    const exact = s.disclosure === null && !s.suppressed;
    const status: [string, string] = s.suppressed
      ? ['M', 'Missing value (withheld to protect respondents)']
      : exact
        ? ['A', 'Normal value']
        : ['E', 'Estimated value (perturbed by the cell-key method)'];
    const confidentiality: [string, string] = s.suppressed ? ['C', 'Confidential'] : ['F', 'Free'];
    for (const [id, name, value] of STATISTICS) {
      const unit: [string, string] =
        id === 'REL_CHANGE' || id === 'FOLD_CHANGE'
          ? ['PURE_NUMB', 'Pure number']
          : (UNIT[s.indicator.unit] ?? [s.indicator.unit, s.indicator.unit]);
      out.push(
        csvRecord([
          'datastructure',
          STRUCTURE_ID,
          'I',
          label(s.tenantId ? (tenants.get(s.tenantId) ?? TOTAL) : TOTAL),
          label(text(s.region)),
          label(s.project ? [s.project.code, s.project.name] : TOTAL),
          label(
            s.communityId
              ? (communities.get(s.communityId) ?? [s.communityId, s.communityId])
              : TOTAL,
          ),
          label(s.settlement ? URBANISATION[s.settlement]! : TOTAL),
          label(s.sex ? SEX[s.sex]! : TOTAL),
          s.year === null ? '' : String(s.year),
          label([s.indicator.code, s.indicator.name]),
          label([id, name]),
          s.suppressed ? null : value(s),
          label(unit),
          label(status),
          label(confidentiality),
          s.sampleSize,
          s.communities,
        ]),
      );
    }
  }
  return out.join('');
}
