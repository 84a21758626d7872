/** Every TypeORM entity, for the data source. */
export const ENTITIES: Function[] = [];
