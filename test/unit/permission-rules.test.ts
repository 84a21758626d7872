import 'reflect-metadata';
import { buildSchema, graphql, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { applyPermissions, RULES } from '../../src/permissions/permissions';
import { Access } from '../../src/auth/access';
import { type Principal, PrincipalKind, Role, Scope } from '../../src/auth/principal';
import {
  administers,
  isAuthenticated,
  readsAggregates,
  readsRows,
  ruleImplies,
  writesRows,
  writesTenantData,
} from '../../src/permissions/rules';
import { buildBareSchema } from '../../src/server';

// graphql-shield allows what has no rule unless fallbackRule says otherwise; the fallback
// denies, but a field without a rule is still a mistake: every type and field must be decided.
describe('the permission rules', () => {
  it('cover every object type and root field of the schema', async () => {
    const schema = await buildBareSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
      const rule = (RULES as Record<string, unknown>)[type.name];
      if (rule === undefined) {
        missing.push(type.name);
        continue;
      }
      // A map of field rules (as for Query and Mutation) must name every field; a rule has `resolve`.
      if (rule && typeof rule === 'object' && !('resolve' in rule)) {
        for (const field of Object.keys(type.getFields())) {
          if ((rule as Record<string, unknown>)[field] === undefined)
            missing.push(`${type.name}.${field}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('applyPermissions: a type whose rule passed on entry keeps no shield on its fields', () => {
  const sdl = buildSchema(`
    type Query { secret: Secret, note: Note, orphan: Orphan }
    type Secret { code: String, note: Note }
    type Note { text: String }
    type Orphan { name: String }
  `);
  const rules = {
    Query: { secret: isAuthenticated, note: isAuthenticated, orphan: isAuthenticated },
    // Entered through Query.secret, whose rule does not imply this one.
    Secret: administers,
    // Entered through Query.note and Secret.note, whose rules both imply this one.
    Note: isAuthenticated,
    // Orphan has no rule: the fallback denies its fields.
  };
  const schema = applyPermissions(sdl, rules);
  const rootValue = {
    secret: { code: 'S-1', note: { text: 'inside' } },
    note: { text: 'public' },
    orphan: { name: 'nobody decided' },
  };
  const run = (query: string, access: { isAuthenticated: boolean; administers: boolean }) =>
    graphql({ schema, source: query, rootValue, contextValue: { access } });
  const member = { isAuthenticated: true, administers: false };
  const admin = { isAuthenticated: true, administers: true };
  const resolverOf = (s: GraphQLSchema, type: string, field: string) =>
    (s.getType(type) as GraphQLObjectType).getFields()[field]!.resolve;

  it('checks a type entered under a weaker rule on each of its fields, as shield does', async () => {
    const res = await run('{ secret { code } note { text } }', member);
    expect(res.data).toEqual({ secret: { code: null }, note: { text: 'public' } });
    expect(res.errors?.map((e) => [e.path, e.extensions.code])).toEqual([
      [['secret', 'code'], 'FORBIDDEN'],
    ]);
    expect((await run('{ secret { code note { text } } }', admin)).data).toEqual({
      secret: { code: 'S-1', note: { text: 'inside' } },
    });
  });

  it('still denies every field of a type without a rule (the fallback)', async () => {
    const res = await run('{ orphan { name } }', admin);
    expect(res.data).toEqual({ orphan: { name: null } });
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('keeps shield on root fields even under a type-level rule', async () => {
    const guarded = applyPermissions(sdl, { ...rules, Query: isAuthenticated });
    const res = await graphql({
      schema: guarded,
      source: '{ note { text } }',
      rootValue,
      contextValue: { access: { isAuthenticated: false, administers: false } },
    });
    expect(res.data).toEqual({ note: null });
    expect(res.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('leaves unwrapped only the fields of a type every entry into which implies its rule', () => {
    // graphql-js's default resolver (none): no promise per field.
    expect(resolverOf(schema, 'Note', 'text')).toBeUndefined();
    for (const [type, field] of [
      ['Query', 'note'],
      ['Secret', 'code'],
      ['Secret', 'note'],
      ['Orphan', 'name'],
    ]) {
      expect(resolverOf(schema, type!, field!)).toBeDefined();
    }
  });

  it('on the real schema, leaves the fields of activities unwrapped and keeps shield where entries differ', async () => {
    const bare = await buildBareSchema();
    const applied = applyPermissions(bare);
    for (const [type, field] of [
      ['Activity', 'title'],
      ['Activity', 'community'],
      ['ActivityConnection', 'nodes'],
      ['Participants', 'total'],
      ['PageInfo', 'hasNextPage'],
    ] as const) {
      expect(resolverOf(applied, type, field)).toBe(resolverOf(bare, type, field));
    }
    for (const [type, field] of [
      ['Query', 'activities'],
      ['Mutation', 'createActivity'],
      // Outcome summaries (readsAggregates) return communities (readsRows).
      ['Community', 'name'],
    ] as const) {
      expect(resolverOf(applied, type, field)).not.toBe(resolverOf(bare, type, field));
    }
  });
});

describe('the implications between principal rules', () => {
  const RULE_CHECKS = {
    isAuthenticated: (a: Access) => a.isAuthenticated,
    readsAggregates: (a: Access) => a.readsAggregates,
    readsRows: (a: Access) => a.readsRows,
    administers: (a: Access) => a.administers,
    writesRows: (a: Access) => a.writesRows,
    writesTenantData: (a: Access) => a.writesTenantData,
  };
  const RULE_OBJECTS = {
    isAuthenticated,
    readsAggregates,
    readsRows,
    administers,
    writesRows,
    writesTenantData,
  };

  it('hold for every principal: any set of roles, as a user or as a key with any scopes', () => {
    const roles = Object.values(Role);
    const scopes = Object.values(Scope);
    const principals: Principal[] = [];
    for (let roleSet = 0; roleSet < 1 << roles.length; roleSet++) {
      const grants = roles
        .filter((_, i) => roleSet & (1 << i))
        .map((role, i) => ({ tenantId: `t${i}`, tenantCode: 'TJ', organisationId: 'o', role }));
      const base = { id: 'p', subject: 's', platformAdmin: false, grants, organisationId: null };
      principals.push({ ...base, kind: PrincipalKind.USER, scopes: null });
      for (let scopeSet = 0; scopeSet < 1 << scopes.length; scopeSet++) {
        const keyScopes = scopes.filter((_, i) => scopeSet & (1 << i));
        principals.push({ ...base, kind: PrincipalKind.API_KEY, scopes: keyScopes });
      }
    }
    const names = Object.keys(RULE_CHECKS) as (keyof typeof RULE_CHECKS)[];
    const broken: string[] = [];
    for (const a of names) {
      for (const b of names) {
        if (!ruleImplies(RULE_OBJECTS[a], RULE_OBJECTS[b])) continue;
        for (const principal of principals) {
          const access = new Access(principal);
          if (RULE_CHECKS[a](access) && !RULE_CHECKS[b](access)) broken.push(`${a} ⇒ ${b}`);
        }
      }
    }
    expect([...new Set(broken)]).toEqual([]);
    // And the declarations are not empty: the relations the schema relies on are there.
    expect(ruleImplies(writesRows, readsRows)).toBe(true);
    expect(ruleImplies(writesTenantData, isAuthenticated)).toBe(true);
    expect(ruleImplies(readsAggregates, readsRows)).toBe(false);
  });
});
