import { getMetadataArgsStorage } from 'typeorm';

/**
 * The columns behind `fields` of an entity, as its decorators declare them (the entities test
 * keeps those equal to the migrated database): each field's column name, and each column's
 * SQL type. Services and imports derive their column lists from here instead of naming the
 * columns again. Inherited columns (a base class such as ProjectRowEntity) count.
 */
export function entityColumns<F extends string>(
  entity: abstract new (...args: never[]) => object,
  fields: readonly F[],
): { columns: Readonly<Record<F, string>>; sqlTypes: Readonly<Record<string, string>> } {
  type Target = Parameters<ReturnType<typeof getMetadataArgsStorage>['filterColumns']>[0];
  const targets: object[] = [];
  for (let t: object = entity; t !== Function.prototype; t = Object.getPrototypeOf(t) as object) {
    targets.push(t);
  }
  const declared = getMetadataArgsStorage().filterColumns(targets as Target);
  const columns = {} as Record<F, string>;
  const sqlTypes: Record<string, string> = {};
  for (const field of fields) {
    const column = declared.find((c) => c.propertyName === field);
    const name = column?.options.name;
    const type = column?.options.type;
    if (!name || typeof type !== 'string') {
      throw new Error(`entityColumns: ${entity.name}.${field} declares no column name and type`);
    }
    columns[field] = name;
    sqlTypes[name] = type;
  }
  return { columns, sqlTypes };
}
