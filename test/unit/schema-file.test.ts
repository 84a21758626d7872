import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaSdl } from '../../src/schema-printer';
import { buildBareSchema } from '../../src/server';

describe('schema/schema.graphql', () => {
  it('is what the resolvers build (run `npm run schema:emit` after changing the schema)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(schemaSdl(await buildBareSchema()));
  });
});
