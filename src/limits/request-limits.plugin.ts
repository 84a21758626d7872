import { setTimeout as sleep } from 'node:timers/promises';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Config } from '../config';
import { refuseAnonymousData } from '../auth/anonymous-requests';
import type { RequestContext } from '../context';
import { rejectNulCharacters } from './nul-characters';
import { queryCost, queryTooComplex } from './query-limits';
import type { RateLimit } from './rate-limit';

/**
 * Per GraphQL request, before anything runs: refuses anonymous requests for data, NUL text and
 * over-cost operations, and spends the rest of the operation's cost from the rate limit.
 */
export function requestLimitsPlugin(deps: {
  config: Config;
  rateLimit: RateLimit;
}): ApolloServerPlugin<RequestContext> {
  const { config, rateLimit } = deps;
  return {
    requestDidStart({ request, contextValue }) {
      contextValue.record.operationName = request.operationName ?? null;
      return Promise.resolve({
        async didResolveOperation({ document, request, operationName, schema }) {
          contextValue.record.operationName = operationName ?? null;
          if (!contextValue.principal) refuseAnonymousData(document, operationName ?? undefined);
          rejectNulCharacters(document, request.variables);
          const cost = queryCost(schema, document, operationName ?? undefined, request.variables);
          contextValue.record.cost = cost ?? null;
          if (cost !== undefined && cost > config.queryLimits.cost) throw queryTooComplex('cost');
          // The request already spent one point when it arrived.
          if (cost !== undefined && cost > 1)
            await rateLimit.spend(contextValue.rateLimitKey, cost - 1);
          // Test only: a slow request on demand (config refuses it outside NODE_ENV=test).
          if (config.testRequestDelayMs > 0) await sleep(config.testRequestDelayMs);
        },
      });
    },
  };
}
