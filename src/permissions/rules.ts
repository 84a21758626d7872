import { rule } from 'graphql-shield';
import type { IRule } from 'graphql-shield';
import type { ShieldRule } from 'graphql-shield/typings/types';
import type { Access } from '../auth/access';
import type { RequestContext } from '../context';

/**
 * The rules that depend only on the request's principal, never on parent or arguments: the
 * per-request `contextual` cache is exact for them (the cache lives on the context, which is
 * new for every request), and once one has passed on a field it holds for the whole request
 * (see `applyPermissions`). Object-level checks (which rows) are the scoped SQL's job.
 */
const IMPLIED = new Map<unknown, Set<unknown>>();

export function isPrincipalRule(candidate: unknown): boolean {
  return IMPLIED.has(candidate);
}

/**
 * Whether every principal that passes `rule` also passes `other`, as declared below (and
 * checked over every combination of roles and scopes by test/unit/permission-rules.test.ts).
 */
export function ruleImplies(rule: unknown, other: unknown): boolean {
  return rule === other || (IMPLIED.get(rule)?.has(other) ?? false);
}

/** A rule of the principal alone, which also guarantees each of `implies` (and theirs). */
function principalRule(
  name: string,
  holds: (access: Access) => boolean,
  implies: IRule[] = [],
): IRule {
  const created = rule(name, { cache: 'contextual' })((_parent, _args, ctx: RequestContext) =>
    holds(ctx.access),
  );
  IMPLIED.set(created, new Set(implies.flatMap((r) => [r, ...IMPLIED.get(r)!])));
  return created;
}

export const isAuthenticated = principalRule('isAuthenticated', (a) => a.isAuthenticated);

/** May ask for outcome summaries: readers of rows, analysts and `aggregate` keys. */
export const readsAggregates = principalRule('readsAggregates', (a) => a.readsAggregates, [
  isAuthenticated,
]);

/** May read programme rows: every role but the aggregate-only analyst. */
export const readsRows = principalRule('readsRows', (a) => a.readsRows, [readsAggregates]);

/** Administers at least one tenant (memberships, API keys, audit log). */
export const administers = principalRule('administers', (a) => a.administers, [readsRows]);

/** May write programme rows (activities, measurements) somewhere; which rows is the SQL's job. */
export const writesRows = principalRule('writesRows', (a) => a.writesRows, [readsRows]);

/** Approves reporting periods somewhere: admin roles (keys: with `approve` and `write`). */
export const approves = principalRule('approves', (a) => a.approverTenantIds.length > 0, [
  writesRows,
]);

/** May write projects, communities and indicators in some tenant. */
export const writesTenantData = principalRule('writesTenantData', (a) => a.writesTenantData, [
  writesRows,
]);

/** May publish some tenant's IATI file: its admins; keys with the `iati` scope. */
export const publishesIati = principalRule('publishesIati', (a) => a.publishesIati, [
  isAuthenticated,
]);

/** A platform administrator (a user; keys never are): global reference data. */
export const isPlatformAdmin = principalRule(
  'isPlatformAdmin',
  (a) => a.principal?.platformAdmin === true,
  [isAuthenticated],
);

/** A module's part of the shield map: root fields by name, its types by name. */
export type ModuleRules = Readonly<
  Record<string, ShieldRule | Readonly<Record<string, ShieldRule>>> & {
    Query?: Readonly<Record<string, ShieldRule>>;
    Mutation?: Readonly<Record<string, ShieldRule>>;
  }
>;

/** A node type's rule, which its connection and edge types share: a page is as readable as its nodes. */
export function pagedNode(node: string, rule: ShieldRule): Record<string, ShieldRule> {
  return { [node]: rule, [`${node}Connection`]: rule, [`${node}Edge`]: rule };
}
