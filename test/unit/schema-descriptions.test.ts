import { type GraphQLSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { buildBareSchema } from '../../src/server';

/** Every enum value, argument, type and field of the schema without a description. */
function undescribed(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  const roots = [schema.getQueryType(), schema.getMutationType()];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    // type-graphql names the root types itself and gives them no description.
    if (!type.description && !roots.includes(type as never)) missing.push(type.name);
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of field.args) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
    }
  }
  return missing;
}

// The explorer's documentation is the schema's: nothing a client can use goes undescribed.
describe('the schema’s descriptions', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildBareSchema();
  });

  it('cover every type, field, argument and enum value', () => {
    expect(undescribed(schema)).toEqual([]);
  });

  it('are found missing by the walk (so a new undescribed value fails)', () => {
    const activityType = schema.getType('ActivityType');
    if (!isEnumType(activityType)) throw new Error('ActivityType is an enum');
    const [value] = activityType.getValues();
    const saved = value!.description;
    value!.description = undefined;
    try {
      expect(undescribed(schema)).toContain('ActivityType.TRAINING');
    } finally {
      value!.description = saved;
    }
  });
});
