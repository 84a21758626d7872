import { SEED_IDS } from '../../seeds/programme';

/** One tab of the explorer: an operation and its variables, as GraphiQL takes them. */
export type ExampleTab = Readonly<{ query: string; variables?: string }>;

/**
 * The first tab: a project with the communities it targets and its latest activities. Runs
 * against the seed data for tj-admin (and, with fewer rows, for a TJ partner).
 */
export const PROJECT_EXAMPLE = `# A project, its communities and activities.
#
# 1. Paste a token into the Token field above
#    (every tab sends it; the banner says how
#    to get one). Token: tj-admin.
# 2. Run: the pink button, or Ctrl-Enter.
# 3. Docs (book icon, left): types and fields.
query ProjectWithCommunitiesAndActivities {
  projects(first: 1, filter: { tenantCodes: ["TJ"], search: "LWD-TJ" }) {
    nodes {
      code
      name
      status
      startDate
      endDate
      tenant {
        code
        name
      }
      implementer {
        name
      }
      communities(first: 10) {
        totalCount
        nodes {
          name
          region
          district
          settlement
          households
        }
      }
      activities(first: 5, orderBy: { field: START_DATE, direction: DESC }) {
        totalCount
        nodes {
          title
          type
          startDate
          community {
            name
          }
          participants {
            female
            male
            other
            total
          }
        }
      }
    }
  }
}
`;

/**
 * Outcomes baseline → endline for the TJ programme: what a UN agency or donor sees under a
 * sharing agreement, and a tenant admin over its own rows.
 */
export const OUTCOME_EXAMPLE = `# Outcomes, baseline to endline, by tenant and
# indicator (aggregates only). Token: tj-admin.
# Violence is down by half (relativeChange -0.5),
# family savings up eightfold (foldChange 8.0), in
# the targeted rural communities of Tajikistan.
query OutcomeSummary {
  outcomeSummaries(
    filter: { tenants: ["TJ"], indicatorCodes: ["DV_PREVALENCE", "FAMILY_SAVINGS"] }
    groupBy: [TENANT, INDICATOR]
  ) {
    tenant {
      code
    }
    indicator {
      code
      name
      direction
    }
    baseline
    latest
    absoluteChange
    relativeChange
    foldChange
    sampleSize
    communities
    suppressed
    suppressionReason
    improved
  }
}
`;

/** A bulk import as a partner's sync would send it, as a dry run: nothing is written. */
export const IMPORT_EXAMPLE = `# A bulk import as a partner's sync sends it.
# Token: tj-admin or tj-editor. dryRun: true
# checks every item and writes nothing; the same
# idempotencyKey again returns the stored result.
mutation ImportActivitiesDryRun($input: ImportActivitiesInput!) {
  importActivities(input: $input) {
    dryRun
    applied
    replayed
    created
    updated
    unchanged
    invalid
    items {
      index
      externalId
      status
      field
      message
    }
  }
}
`;

const IMPORT_VARIABLES = JSON.stringify(
  {
    input: {
      tenantCode: 'TJ',
      idempotencyKey: 'explorer-example-1',
      dryRun: true,
      items: [
        {
          externalId: 'kobo-2026-0001',
          projectId: SEED_IDS.projects.TJ,
          communityId: SEED_IDS.communities.tjNavobod,
          type: 'COMMUNITY_DIALOGUE',
          title: 'Community dialogue on family budgeting',
          sourceLanguage: 'en',
          startDate: '2026-03-10',
          participants: { female: 14, male: 9, other: 0 },
        },
        {
          externalId: 'kobo-2026-0002',
          projectId: SEED_IDS.projects.TJ,
          communityId: SEED_IDS.communities.tjDusti,
          type: 'SAVINGS_GROUP',
          title: 'Savings group: monthly meeting',
          sourceLanguage: 'en',
          startDate: '2026-03-12',
          participants: { female: 18, male: 0, other: 0 },
        },
      ],
    },
  },
  null,
  2,
);

/**
 * The approval workflow: a period's state and history (any reader of the project), and the
 * transitions (submit: tj-editor; return, approve, unapprove: tj-admin).
 */
export const APPROVAL_EXAMPLE = `# Approval and locks. A project's quarter, its
# state and its whole history. Token: tj-admin or
# tj-editor. The seed's quarters are APPROVED (read-
# only); try 2026-07-01: the editor submits, the admin
# returns (with a comment) or approves it.
query QuarterState {
  reportingPeriod(projectId: "${SEED_IDS.projects.TJ}", date: "2025-04-01") {
    start
    end
    state
    submittedBy
    approvedBy
    approvedAt
    returnedReason
    history {
      action
      fromState
      toState
      comment
      actor
    }
  }
}

mutation SubmitQuarter {
  submitPeriod(input: { projectId: "${SEED_IDS.projects.TJ}", date: "2026-07-01" }) {
    status
    code
    message
    activities
    measurements
    period {
      state
      submittedBy
    }
  }
}
`;

/** The explorer's tabs, in order; the first one runs against the seed data. */
export const EXAMPLE_TABS: readonly ExampleTab[] = [
  { query: PROJECT_EXAMPLE },
  { query: OUTCOME_EXAMPLE },
  { query: IMPORT_EXAMPLE, variables: IMPORT_VARIABLES },
  { query: APPROVAL_EXAMPLE },
];
