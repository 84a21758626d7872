import { rule } from 'graphql-shield';
import type { RequestContext } from '../context';

/*
 * Rules depend only on the request's principal, never on parent or arguments, so the
 * per-request `contextual` cache is exact: the cache lives on the context, which is new for
 * every request. Object-level checks (which rows) are the scoped SQL's job.
 */

export const isAuthenticated = rule('isAuthenticated', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.isAuthenticated,
);

/** May read programme rows: every role but the aggregate-only analyst. */
export const readsRows = rule('readsRows', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.readsRows,
);

/** Administers at least one tenant (memberships, API keys, audit log). */
export const administers = rule('administers', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.administers,
);

/** May write programme rows (activities, measurements) somewhere; which rows is the SQL's job. */
export const writesRows = rule('writesRows', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.writesRows,
);

/** May write projects, communities and indicators in some tenant. */
export const writesTenantData = rule('writesTenantData', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.writesTenantData,
);

/** May ask for outcome summaries: readers of rows, analysts and `aggregate` keys. */
export const readsAggregates = rule('readsAggregates', { cache: 'contextual' })(
  (_parent, _args, ctx: RequestContext) => ctx.access.readsAggregates,
);
