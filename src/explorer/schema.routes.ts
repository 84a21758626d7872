import express, { type Response, type Router } from 'express';
import type { GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { AUTHENTICATION_REQUIRED } from '../auth/anonymous-requests';
import { AuthenticationError, type Authenticator } from '../auth/authenticate';
import { openPrincipalTransaction } from '../auth/principal-transaction';
import { ErrorCode } from '../common/errors';
import { schemaSdl } from '../schema-printer';

/**
 * `GET /schema.graphql`: the SDL (as `schema/schema.graphql` holds it) for any authenticated
 * principal, so editors and code generators work against a deployment where introspection is
 * off. Anonymous callers, and credentials that grant nothing, get 401.
 */
export function schemaRouter(deps: {
  schema: GraphQLSchema;
  authenticator: Authenticator;
  pool: Pool;
  log: Logger;
}): Router {
  const sdl = schemaSdl(deps.schema);
  const router = express.Router();
  router.get('/schema.graphql', async (req, res) => {
    try {
      const credential = await deps.authenticator.credentialOf(req.headers);
      if (credential.kind === 'anonymous') return unauthenticated(res, AUTHENTICATION_REQUIRED);
      // The same look-up as a GraphQL request's: a revoked user or key is no principal.
      const [tx, found] = await openPrincipalTransaction(deps.pool, credential);
      await tx.rollback();
      if (!found) {
        return unauthenticated(res, 'The credential is not valid, or grants nothing any more');
      }
      res.setHeader('Cache-Control', 'private, no-cache');
      res.type('text/plain; charset=utf-8').send(sdl);
    } catch (error) {
      if (error instanceof AuthenticationError) return unauthenticated(res, error.message);
      deps.log.error({ err: error }, 'could not authenticate a schema download');
      res.status(503).json({
        errors: [
          {
            message: 'The service is unavailable; try again shortly',
            extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
          },
        ],
      });
    }
  });
  return router;
}

function unauthenticated(res: Response, message: string): void {
  res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(401).json({ errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
}
