import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** An error the API answered with: its message, `extensions.code` and HTTP status. */
export class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly status: number,
  ) {
    super(message);
  }
}

type Body<T> = {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
};

/**
 * A minimal typed client: each generated document fixes the variables it takes and the
 * shape of its data, so a query that no longer matches the schema fails to compile.
 */
export function createClient(options: { url: string; token: string; fetch?: typeof fetch }) {
  const send = options.fetch ?? fetch;
  const endpoint = new URL('/graphql', options.url).href;

  return async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<TData> {
    const response = await send(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: `Bearer ${options.token}`,
      },
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    });
    const body = (await response.json()) as Body<TData>;
    const error = body.errors?.[0];
    if (error)
      throw new GraphQLRequestError(error.message, error.extensions?.code, response.status);
    if (!response.ok || body.data == null) {
      throw new GraphQLRequestError(
        `HTTP ${response.status} with no data`,
        undefined,
        response.status,
      );
    }
    return body.data;
  };
}

export type Request = ReturnType<typeof createClient>;
