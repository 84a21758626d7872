import 'reflect-metadata';
import { GraphQLObjectType } from 'graphql';
import { RULES } from '../../src/permissions/permissions';
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
