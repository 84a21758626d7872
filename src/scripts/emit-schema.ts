import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaSdl } from '../schema-printer';
import { buildBareSchema } from '../server';

/** `npm run schema:emit`: writes the SDL to schema/schema.graphql. */
async function main(): Promise<void> {
  const path = join(__dirname, '..', '..', '..', 'schema', 'schema.graphql');
  writeFileSync(path, schemaSdl(await buildBareSchema()));
  console.log(`Wrote ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
