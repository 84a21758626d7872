/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** One activity of a bulk import, keyed by your own id. */
export type ActivityImportItem = {
  /** Age band of the participants. */
  ageBand?: AgeBand | null | undefined;
  /** The community, which the project must target. */
  communityId?: string | null | undefined;
  /** Last day, not before the first and within the project’s span. */
  endDate?: string | null | undefined;
  /** Your own id for the row (unique per tenant and your organisation): how a re-sent item finds it. */
  externalId: string;
  /** The facilitating organisation. */
  facilitatorOrganisationId?: string | null | undefined;
  /** Participants; 0 when omitted. */
  participants?: ParticipantsInput | null | undefined;
  /** The project; its tenant is the activity’s. */
  projectId: string;
  /** The language the title is written in (BCP 47), one the tenant offers. A new activity without it is in the tenant's default language; an imported one already stored keeps its own. */
  sourceLanguage?: string | null | undefined;
  /** First day, within the project’s span. */
  startDate: string;
  /** Title (1–300 characters). */
  title: string;
  /** Its title in other languages than its source language; a null value removes one, languages not given stay as they are. */
  translations?: Array<TranslationInput> | null | undefined;
  /** What kind of activity. */
  type: ActivityType;
};

/** What kind of activity took place. */
export type ActivityType =
  /** An advocacy event with authorities or the public. */
  | 'ADVOCACY_EVENT'
  /** A facilitated dialogue among community members. */
  | 'COMMUNITY_DIALOGUE'
  /** A meeting that introduces the project to a community or its leaders. */
  | 'INDUCTION_MEETING'
  /** Psychosocial support for survivors or people at risk. */
  | 'PSYCHOSOCIAL_SUPPORT'
  /** A referral of a person to services. */
  | 'REFERRAL'
  /** A session with religious leaders. */
  | 'RELIGIOUS_LEADER_SESSION'
  /** A meeting of a savings group. */
  | 'SAVINGS_GROUP'
  /** A visit to learn from another community or organisation. */
  | 'STUDY_VISIT'
  /** A training of staff, volunteers or community members. */
  | 'TRAINING';

/** Age band of participants or respondents. */
export type AgeBand =
  /** 18 to 24 years old. */
  | 'AGE_18_24'
  /** 25 to 49 years old. */
  | 'AGE_25_49'
  /** 50 or older. */
  | 'AGE_50_PLUS'
  /** Of several age bands. */
  | 'MIXED'
  /** Younger than 18. */
  | 'UNDER_18';

/** Where a reporting period (and each of its rows) stands in the approval workflow. */
export type ApprovalState =
  /** Approved: counted in summaries, read-only until unapproved. */
  | 'APPROVED'
  /** Being recorded; not counted in summaries by default. */
  | 'DRAFT'
  /** Returned to the partner with a comment, to fix and resubmit. */
  | 'RETURNED'
  /** Submitted for approval; still writable until approved. */
  | 'SUBMITTED';

/** What a change asks a copy to do with the row it names. */
export type ChangeOperation =
  /** Remove the row: it was deleted, or it fell out of what you may read (a tombstone). */
  | 'DELETE'
  /** Create or replace the row (read it from the field of its type). */
  | 'UPSERT';

/** A bulk import of activities (up to 1,000). */
export type ImportActivitiesInput = {
  /** Write nothing unless every item is valid (otherwise valid items are written). */
  atomic?: boolean;
  /** Check and report every item, write nothing. */
  dryRun?: boolean;
  /** Your key for this request (1–200 characters). Re-sending it with the same body returns the stored result and writes nothing; with another body it is CONFLICT. Kept at least 24 hours. */
  idempotencyKey: string;
  /** The activities, keyed by externalId. */
  items: Array<ActivityImportItem>;
  /** Country code of the tenant all items belong to. */
  tenantCode: string;
};

/** What an import did (or, in a dry run or refused atomic import, would do) with one item. */
export type ImportItemStatus =
  /** A new row was written. */
  | 'CREATED'
  /** Refused; `field` and `message` say why. */
  | 'INVALID'
  /** The row with this externalId already held these values. */
  | 'UNCHANGED'
  /** The row with this externalId was changed. */
  | 'UPDATED';

/** How many people took part, by sex (each 0–100,000). */
export type ParticipantsInput = {
  /** Women and girls. */
  female?: number;
  /** Men and boys. */
  male?: number;
  /** People of another or unrecorded sex. */
  other?: number;
};

/** A signed-in user or an API key. */
export type PrincipalKind =
  /** An API key. */
  | 'API_KEY'
  /** A signed-in user. */
  | 'USER';

/** What a member of an organisation may do in a tenant (see docs/design.md). */
export type Role =
  /** Reads aggregates only, under a sharing agreement. */
  | 'AGGREGATE_ANALYST'
  /** Reads and records the rows of its organisation’s projects. */
  | 'PARTNER_EDITOR'
  /** Reads the rows of its organisation’s projects. */
  | 'PARTNER_VIEWER'
  /** Runs the platform: everything in every tenant. */
  | 'PLATFORM_ADMIN'
  /** Everything in one tenant: its data, memberships, keys and audit log. */
  | 'TENANT_ADMIN';

/** A capability: read rows, write rows, read aggregates, administer, publish to IATI, approve periods. */
export type Scope =
  /** Administer memberships, API keys, sharing agreements and read the audit log. */
  | 'ADMIN'
  /** Read aggregates (outcome summaries). */
  | 'AGGREGATE'
  /** Approve, return and unapprove reporting periods (admin roles only, and with WRITE: approving changes the rows’ state). */
  | 'APPROVE'
  /** Publish the IATI activity file of tenants where the organisation is an admin (and nothing else). */
  | 'IATI'
  /** Read programme rows. */
  | 'READ'
  /** Write programme rows. */
  | 'WRITE';

/** A translated text of a row. */
export type TranslatedField =
  /** The description. */
  | 'DESCRIPTION'
  /** The name. */
  | 'NAME'
  /** The title (activities). */
  | 'TITLE';

/** A text in one more language, beside the source text written in the row itself. */
export type TranslationInput = {
  /** Which text: by default the row's name (an activity's title). */
  field?: TranslatedField | null | undefined;
  /** Its language (BCP 47): en, ru, tg, ky, uz-Latn, uz-Cyrl or one the deployment adds; not the source language. */
  language: string;
  /** The text (1–4000 characters, no control characters), kept exactly as sent; null removes the translation. */
  value?: string | null | undefined;
};

export type ChangesQueryVariables = Exact<{
  tenantCode: string;
  since?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type ChangesQuery = { changes: { cursor: string, hasMore: boolean, nodes: Array<{ entityType: string, entityId: string, operation: ChangeOperation, version: number | null, deletedAt: string | null, activity: { id: string, title: string, type: ActivityType, startDate: string } | null, measurement: { id: string, value: number, measuredOn: string } | null, project: { id: string, code: string, name: string } | null, community: { id: string, name: string } | null, indicator: { id: string, code: string } | null, reportingPeriod: { id: string, start: string, end: string, state: ApprovalState } | null }> } | null };

export type ImportActivitiesMutationVariables = Exact<{
  input: ImportActivitiesInput;
}>;


export type ImportActivitiesMutation = { importActivities: { dryRun: boolean, applied: boolean, replayed: boolean, created: number, updated: number, unchanged: number, invalid: number, items: Array<{ index: number, externalId: string | null, id: string | null, status: ImportItemStatus, field: string | null, message: string | null }> } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { subject: string, kind: PrincipalKind, scopes: Array<Scope>, memberships: Array<{ role: Role, tenant: { code: string, name: string }, organisation: { name: string } }> } };

export type TenantActivitiesQueryVariables = Exact<{
  tenantCode: string;
  first: number;
  after?: string | null | undefined;
}>;


export type TenantActivitiesQuery = { activities: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, externalId: string | null, type: ActivityType, title: string, startDate: string, project: { id: string, code: string }, community: { id: string, name: string } | null, participants: { total: number } }> } | null };


export const ChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Changes"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"tenantCode"},"value":{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}}},{"kind":"Argument","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entityType"}},{"kind":"Field","name":{"kind":"Name","value":"entityId"}},{"kind":"Field","name":{"kind":"Name","value":"operation"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"deletedAt"}},{"kind":"Field","name":{"kind":"Name","value":"activity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"measurement"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"measuredOn"}}]}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"community"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"indicator"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reportingPeriod"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ChangesQuery, ChangesQueryVariables>;
export const ImportActivitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ImportActivities"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ImportActivitiesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"importActivities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dryRun"}},{"kind":"Field","name":{"kind":"Name","value":"applied"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"updated"}},{"kind":"Field","name":{"kind":"Name","value":"unchanged"}},{"kind":"Field","name":{"kind":"Name","value":"invalid"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ImportActivitiesMutation, ImportActivitiesMutationVariables>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const TenantActivitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TenantActivities"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"tenantCodes"},"value":{"kind":"ListValue","values":[{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}}]}}]}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"CREATED_AT"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"community"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"participants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TenantActivitiesQuery, TenantActivitiesQueryVariables>;