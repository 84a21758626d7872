import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Config } from '../config';
import { ASSETS_PATH, EXPLORER_CSP, explorerPage, notBuiltPage } from './explorer.page';

/**
 * Where `npm run build` leaves the bundle: <root>/dist/explorer. This file runs from
 * src/explorer (tests, ts-jest) or dist/src/explorer (npm start), so try both.
 */
export function defaultExplorerDir(): string {
  const candidates = [
    resolve(__dirname, '../../explorer'),
    resolve(__dirname, '../../dist/explorer'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'explorer.js'))) ?? candidates[1]!;
}

/**
 * A browser asking for a page: it names text/html in Accept and prefers it to JSON, and sends
 * no `query` (a GET with one is a GraphQL request). API clients POST, or GET with a query.
 */
export function wantsExplorer(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  if (!/text\/html/i.test(accept) || req.query.query !== undefined) return false;
  return (
    req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) ===
    'text/html'
  );
}

/**
 * The explorer's routes: the page on GET / and GET /graphql for a browser, and the bundle's
 * static files. Mounted only when the explorer is enabled (config.explorer).
 */
export function explorerRouter(config: Config, dir = defaultExplorerDir()): Router {
  const router = express.Router();
  const page = explorerPage(config);

  const servePage = (req: Request, res: Response, next: NextFunction) => {
    if (!wantsExplorer(req)) return next();
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    if (!existsSync(join(dir, 'explorer.js'))) {
      res.status(503).type('html').send(notBuiltPage());
      return;
    }
    res.setHeader('Content-Security-Policy', EXPLORER_CSP);
    res.type('html').send(page);
  };
  router.get('/', servePage);
  router.get('/graphql', servePage);
  router.use(
    ASSETS_PATH,
    express.static(dir, {
      index: false,
      // Fixed file names: revalidate with the ETag rather than cache blindly.
      setHeaders: (res) => {
        res.setHeader('Cache-Control', 'no-cache');
        res.setHeader('X-Content-Type-Options', 'nosniff');
      },
    }),
  );
  return router;
}
