import { type ApolloServer, HeaderMap, type HTTPGraphQLRequest } from '@apollo/server';
import type { Request, Response } from 'express';
import type { RequestContext } from '../context';
import { contextOf } from './request-context.middleware';

/**
 * The last step of /graphql: hands the request to Apollo and writes its answer. What
 * `@as-integrations/express5`'s `expressMiddleware` does, without its per-request
 * `url.parse` of the whole URL (to find the query string) and its copy of the headers through
 * `Object.entries`: a few percent of a small request's CPU (issue 17). The request context
 * was left in `res.locals` by `requestContextMiddleware`; `req.body` by the body parser and
 * `defaultBody`.
 */
export function graphqlHandler(apollo: ApolloServer<RequestContext>) {
  apollo.assertStarted('graphqlHandler()');
  return async (req: Request, res: Response): Promise<void> => {
    const headers = new HeaderMap();
    const given = req.headers;
    for (const key in given) {
      const value = given[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method.toUpperCase(),
      headers,
      search: searchOf(req.url),
      body: req.body as unknown,
    };
    const answer = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: () => contextOf(res),
    });
    for (const [key, value] of answer.headers) res.setHeader(key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      res.send(answer.body.string);
      return;
    }
    // Incremental delivery (@defer) is not enabled, but an answer in chunks is still written whole.
    for await (const chunk of answer.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

/** The query string of a request target, `?` included, as `url.parse(target).search` gives it. */
export function searchOf(target: string): string {
  const start = target.indexOf('?');
  if (start < 0) return '';
  const end = target.indexOf('#', start);
  return end < 0 ? target.slice(start) : target.slice(start, end);
}
