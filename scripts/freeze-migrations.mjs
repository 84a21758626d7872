#!/usr/bin/env node
// Records the SHA-256 of every migration not yet in migrations/manifest.json. Run it when a new
// migration is final (`npm run migrations:freeze`) and commit the manifest with it. Entries are
// never rewritten: once a migration has landed it is frozen, and test/unit/migration-manifest
// fails when its file no longer matches. A schema change goes into a new migration.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(import.meta.dirname, '..', 'migrations');
const manifestPath = join(dir, 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
const added = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .sort()) {
  if (file in manifest) continue;
  manifest[file] = createHash('sha256')
    .update(readFileSync(join(dir, file)))
    .digest('hex');
  added.push(file);
}
const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(manifestPath, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(added.length ? `frozen: ${added.join(', ')}` : 'every migration is already frozen');
