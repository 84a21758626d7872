import { SEED_IDS } from '../../seeds/programme';
import type { GraphQLResponse, TestServer } from './server';

export const IDS = SEED_IDS;

export const ACTIVITY_FIELDS = `id version title type startDate endDate externalId ageBand
  participants { female male other total } project { id } community { id }`;

export const CREATE_ACTIVITY = `mutation ($input: CreateActivityInput!) {
  createActivity(input: $input) { ${ACTIVITY_FIELDS} }
}`;

export const UPDATE_ACTIVITY = `mutation ($input: UpdateActivityInput!) {
  updateActivity(input: $input) { ${ACTIVITY_FIELDS} }
}`;

export const DELETE_ACTIVITY = `mutation ($input: DeleteProjectRowInput!) {
  deleteActivity(input: $input) { id version }
}`;

export const RESTORE_ACTIVITY = `mutation ($input: RestoreRowInput!) {
  restoreActivity(input: $input) { id version }
}`;

export const MEASUREMENT_FIELDS = `id version value period measuredOn sampleSize source externalId`;

export const CREATE_MEASUREMENT = `mutation ($input: CreateMeasurementInput!) {
  createMeasurement(input: $input) { ${MEASUREMENT_FIELDS} }
}`;

/** A valid activity of the TJ main project in one of its communities. */
export function tjActivity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    projectId: IDS.projects.TJ,
    communityId: IDS.communities.tjNavobod,
    type: 'TRAINING',
    title: 'Family training',
    // In a quarter the seed holds no rows in: the seed's periods are approved, hence read-only.
    startDate: '2024-08-01',
    endDate: '2024-08-03',
    participants: { female: 12, male: 8, other: 0 },
    ...overrides,
  };
}

/** A valid DV_PREVALENCE (PERCENT) measurement of the TJ main project. */
export function tjMeasurement(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    indicatorId: IDS.indicators.DV_PREVALENCE,
    projectId: IDS.projects.TJ,
    communityId: IDS.communities.tjNavobod,
    period: 'ROUTINE',
    measuredOn: '2024-09-01',
    value: 42.5,
    sampleSize: 120,
    ...overrides,
  };
}

/** The first error's code and field. */
export function errorOf(res: GraphQLResponse): { code: unknown; field: unknown } | undefined {
  const error = res.body.errors?.[0];
  return error && { code: error.extensions?.code, field: error.extensions?.field };
}

/** Signs tokens for the seeded demo users once per test file. */
export async function tokens(server: TestServer) {
  const subjects = {
    platformAdmin: 'demo|platform-admin',
    tjAdmin: 'demo|tj-admin',
    tjEditor: 'demo|tj-editor',
    tjViewer: 'demo|tj-viewer',
    tjPilotEditor: 'demo|tj-pilot-editor',
    kgAdmin: 'demo|kg-admin',
    kgEditor: 'demo|kg-editor',
  } as const;
  const entries = await Promise.all(
    Object.entries(subjects).map(async ([key, sub]) => [key, await server.tokenFor(sub)] as const),
  );
  return Object.fromEntries(entries) as Record<keyof typeof subjects, string>;
}
