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
  /** First day, within the project’s span. */
  startDate: string;
  /** Title (1–300 characters). */
  title: string;
  /** What kind of activity. */
  type: ActivityType;
};

/** What kind of activity took place. */
export type ActivityType =
  | 'ADVOCACY_EVENT'
  | 'COMMUNITY_DIALOGUE'
  | 'INDUCTION_MEETING'
  | 'PSYCHOSOCIAL_SUPPORT'
  | 'REFERRAL'
  | 'RELIGIOUS_LEADER_SESSION'
  | 'SAVINGS_GROUP'
  | 'STUDY_VISIT'
  | 'TRAINING';

/** Age band of participants or respondents. */
export type AgeBand =
  | 'AGE_18_24'
  | 'AGE_25_49'
  | 'AGE_50_PLUS'
  | 'MIXED'
  | 'UNDER_18';

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
  | 'CREATED'
  | 'INVALID'
  | 'UNCHANGED'
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
  | 'API_KEY'
  | 'USER';

/** What a member of an organisation may do in a tenant (DESIGN §3). */
export type Role =
  | 'AGGREGATE_ANALYST'
  | 'PARTNER_EDITOR'
  | 'PARTNER_VIEWER'
  | 'PLATFORM_ADMIN'
  | 'TENANT_ADMIN';

/** A capability: read rows, write rows, read aggregates, administer. */
export type Scope =
  | 'ADMIN'
  | 'AGGREGATE'
  | 'READ'
  | 'WRITE';

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


export const ImportActivitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ImportActivities"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ImportActivitiesInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"importActivities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dryRun"}},{"kind":"Field","name":{"kind":"Name","value":"applied"}},{"kind":"Field","name":{"kind":"Name","value":"replayed"}},{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"updated"}},{"kind":"Field","name":{"kind":"Name","value":"unchanged"}},{"kind":"Field","name":{"kind":"Name","value":"invalid"}},{"kind":"Field","name":{"kind":"Name","value":"items"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"index"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<ImportActivitiesMutation, ImportActivitiesMutationVariables>;
export const MeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"memberships"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"organisation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MeQuery, MeQueryVariables>;
export const TenantActivitiesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TenantActivities"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"activities"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"tenantCodes"},"value":{"kind":"ListValue","values":[{"kind":"Variable","name":{"kind":"Name","value":"tenantCode"}}]}}]}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"CREATED_AT"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"externalId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"startDate"}},{"kind":"Field","name":{"kind":"Name","value":"project"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}},{"kind":"Field","name":{"kind":"Name","value":"community"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"participants"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TenantActivitiesQuery, TenantActivitiesQueryVariables>;