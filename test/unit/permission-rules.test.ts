import 'reflect-metadata';
import { buildSchema, graphql, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { applyPermissions, RULES } from '../../src/permissions/permissions';
import { administers, isAuthenticated } from '../../src/permissions/rules';
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

describe('applyPermissions: a type-level rule is checked where the type enters the response', () => {
  const sdl = buildSchema(`
    type Query { secret: Secret, note: Note, orphan: Orphan }
    type Secret { code: String, note: Note }
    type Note { text: String }
    type Orphan { name: String }
  `);
  const rules = {
    Query: { secret: isAuthenticated, note: isAuthenticated, orphan: isAuthenticated },
    Secret: administers,
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

  it('denies a field that returns a type whose rule fails, though the field’s own rule passes', async () => {
    const res = await run('{ secret { code } note { text } }', member);
    expect(res.data).toEqual({ secret: null, note: { text: 'public' } });
    expect(res.errors?.map((e) => [e.path, e.extensions.code])).toEqual([
      [['secret'], 'FORBIDDEN'],
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

  it('leaves unwrapped only the fields whose rule their parent’s entry already checked', () => {
    const resolverOf = (s: GraphQLSchema, type: string, field: string) =>
      (s.getType(type) as GraphQLObjectType).getFields()[field]!.resolve;
    // Checked at entry: left as graphql-js's default (none), no promise per field.
    expect(resolverOf(schema, 'Secret', 'code')).toBeUndefined();
    expect(resolverOf(schema, 'Note', 'text')).toBeUndefined();
    // Root fields, a field entering a type with another rule, and fallback fields: wrapped.
    expect(resolverOf(schema, 'Query', 'note')).toBeDefined();
    expect(resolverOf(schema, 'Secret', 'note')).toBeDefined();
    expect(resolverOf(schema, 'Orphan', 'name')).toBeDefined();
  });

  it('on the real schema, leaves an activity’s own fields unwrapped and keeps its relations checked', async () => {
    const bare = await buildBareSchema();
    const applied = applyPermissions(bare);
    const resolverOf = (s: GraphQLSchema, type: string, field: string) =>
      (s.getType(type) as GraphQLObjectType).getFields()[field]!.resolve;
    for (const [type, field] of [
      ['Activity', 'title'],
      ['Activity', 'community'],
      ['Community', 'activities'],
      ['ActivityConnection', 'nodes'],
      ['PageInfo', 'hasNextPage'],
    ] as const) {
      expect(resolverOf(applied, type, field)).toBe(resolverOf(bare, type, field));
    }
    for (const [type, field] of [
      ['Query', 'activities'],
      ['Mutation', 'createActivity'],
      ['Activity', 'tenant'],
      ['Measurement', 'indicator'],
    ] as const) {
      expect(resolverOf(applied, type, field)).not.toBe(resolverOf(bare, type, field));
    }
  });
});
