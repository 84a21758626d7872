import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printPublicSchema } from '../../src/schema-printer';

describe('schema/schema.graphql', () => {
  it('is what the resolvers build (run `npm run schema:emit` after changing the schema)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printPublicSchema());
  });
});
