/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Changes($tenantCode: String!, $since: String, $first: Int) {\n  changes(tenantCode: $tenantCode, since: $since, first: $first) {\n    cursor\n    hasMore\n    nodes {\n      entityType\n      entityId\n      operation\n      version\n      deletedAt\n      activity {\n        id\n        title\n        type\n        startDate\n      }\n      measurement {\n        id\n        value\n        measuredOn\n      }\n      project {\n        id\n        code\n        name\n      }\n      community {\n        id\n        name\n      }\n      indicator {\n        id\n        code\n      }\n      reportingPeriod {\n        id\n        start\n        end\n        state\n      }\n    }\n  }\n}": typeof types.ChangesDocument,
    "mutation ImportActivities($input: ImportActivitiesInput!) {\n  importActivities(input: $input) {\n    dryRun\n    applied\n    replayed\n    created\n    updated\n    unchanged\n    invalid\n    items {\n      index\n      externalId\n      id\n      status\n      field\n      message\n    }\n  }\n}": typeof types.ImportActivitiesDocument,
    "query Me {\n  me {\n    subject\n    kind\n    scopes\n    memberships {\n      role\n      tenant {\n        code\n        name\n      }\n      organisation {\n        name\n      }\n    }\n  }\n}": typeof types.MeDocument,
    "query TenantActivities($tenantCode: String!, $first: Int!, $after: String) {\n  activities(\n    first: $first\n    after: $after\n    filter: {tenantCodes: [$tenantCode]}\n    orderBy: {field: CREATED_AT, direction: ASC}\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      externalId\n      type\n      title\n      startDate\n      project {\n        id\n        code\n      }\n      community {\n        id\n        name\n      }\n      participants {\n        total\n      }\n    }\n  }\n}": typeof types.TenantActivitiesDocument,
};
const documents: Documents = {
    "query Changes($tenantCode: String!, $since: String, $first: Int) {\n  changes(tenantCode: $tenantCode, since: $since, first: $first) {\n    cursor\n    hasMore\n    nodes {\n      entityType\n      entityId\n      operation\n      version\n      deletedAt\n      activity {\n        id\n        title\n        type\n        startDate\n      }\n      measurement {\n        id\n        value\n        measuredOn\n      }\n      project {\n        id\n        code\n        name\n      }\n      community {\n        id\n        name\n      }\n      indicator {\n        id\n        code\n      }\n      reportingPeriod {\n        id\n        start\n        end\n        state\n      }\n    }\n  }\n}": types.ChangesDocument,
    "mutation ImportActivities($input: ImportActivitiesInput!) {\n  importActivities(input: $input) {\n    dryRun\n    applied\n    replayed\n    created\n    updated\n    unchanged\n    invalid\n    items {\n      index\n      externalId\n      id\n      status\n      field\n      message\n    }\n  }\n}": types.ImportActivitiesDocument,
    "query Me {\n  me {\n    subject\n    kind\n    scopes\n    memberships {\n      role\n      tenant {\n        code\n        name\n      }\n      organisation {\n        name\n      }\n    }\n  }\n}": types.MeDocument,
    "query TenantActivities($tenantCode: String!, $first: Int!, $after: String) {\n  activities(\n    first: $first\n    after: $after\n    filter: {tenantCodes: [$tenantCode]}\n    orderBy: {field: CREATED_AT, direction: ASC}\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      externalId\n      type\n      title\n      startDate\n      project {\n        id\n        code\n      }\n      community {\n        id\n        name\n      }\n      participants {\n        total\n      }\n    }\n  }\n}": types.TenantActivitiesDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Changes($tenantCode: String!, $since: String, $first: Int) {\n  changes(tenantCode: $tenantCode, since: $since, first: $first) {\n    cursor\n    hasMore\n    nodes {\n      entityType\n      entityId\n      operation\n      version\n      deletedAt\n      activity {\n        id\n        title\n        type\n        startDate\n      }\n      measurement {\n        id\n        value\n        measuredOn\n      }\n      project {\n        id\n        code\n        name\n      }\n      community {\n        id\n        name\n      }\n      indicator {\n        id\n        code\n      }\n      reportingPeriod {\n        id\n        start\n        end\n        state\n      }\n    }\n  }\n}"): (typeof documents)["query Changes($tenantCode: String!, $since: String, $first: Int) {\n  changes(tenantCode: $tenantCode, since: $since, first: $first) {\n    cursor\n    hasMore\n    nodes {\n      entityType\n      entityId\n      operation\n      version\n      deletedAt\n      activity {\n        id\n        title\n        type\n        startDate\n      }\n      measurement {\n        id\n        value\n        measuredOn\n      }\n      project {\n        id\n        code\n        name\n      }\n      community {\n        id\n        name\n      }\n      indicator {\n        id\n        code\n      }\n      reportingPeriod {\n        id\n        start\n        end\n        state\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ImportActivities($input: ImportActivitiesInput!) {\n  importActivities(input: $input) {\n    dryRun\n    applied\n    replayed\n    created\n    updated\n    unchanged\n    invalid\n    items {\n      index\n      externalId\n      id\n      status\n      field\n      message\n    }\n  }\n}"): (typeof documents)["mutation ImportActivities($input: ImportActivitiesInput!) {\n  importActivities(input: $input) {\n    dryRun\n    applied\n    replayed\n    created\n    updated\n    unchanged\n    invalid\n    items {\n      index\n      externalId\n      id\n      status\n      field\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    subject\n    kind\n    scopes\n    memberships {\n      role\n      tenant {\n        code\n        name\n      }\n      organisation {\n        name\n      }\n    }\n  }\n}"): (typeof documents)["query Me {\n  me {\n    subject\n    kind\n    scopes\n    memberships {\n      role\n      tenant {\n        code\n        name\n      }\n      organisation {\n        name\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query TenantActivities($tenantCode: String!, $first: Int!, $after: String) {\n  activities(\n    first: $first\n    after: $after\n    filter: {tenantCodes: [$tenantCode]}\n    orderBy: {field: CREATED_AT, direction: ASC}\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      externalId\n      type\n      title\n      startDate\n      project {\n        id\n        code\n      }\n      community {\n        id\n        name\n      }\n      participants {\n        total\n      }\n    }\n  }\n}"): (typeof documents)["query TenantActivities($tenantCode: String!, $first: Int!, $after: String) {\n  activities(\n    first: $first\n    after: $after\n    filter: {tenantCodes: [$tenantCode]}\n    orderBy: {field: CREATED_AT, direction: ASC}\n  ) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      externalId\n      type\n      title\n      startDate\n      project {\n        id\n        code\n      }\n      community {\n        id\n        name\n      }\n      participants {\n        total\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;