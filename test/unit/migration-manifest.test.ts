import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Landed migrations are frozen: migrations/manifest.json holds the SHA-256 of each, written
 * once by `npm run migrations:freeze`, and a file that no longer matches fails here. A schema
 * change goes into a new migration.
 */
const DIR = join(__dirname, '..', '..', 'migrations');
const manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Record<
  string,
  string
>;
const files = readdirSync(DIR)
  .filter((file) => file.endsWith('.ts'))
  .sort();

/** Timestamps written before the rule: rounded by hand, kept as they landed. */
const ROUNDED_BEFORE_THE_RULE = new Set(['1764216000000', '1764300000000', '1795800000000']);

function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The files whose content differs from what the manifest froze. */
function edited(read: (file: string) => Buffer | string): string[] {
  return Object.keys(manifest).filter((file) => sha256(read(file)) !== manifest[file]);
}

describe('the migration manifest', () => {
  it('lists every migration (freeze a new one with npm run migrations:freeze)', () => {
    expect(files.filter((file) => !(file in manifest))).toEqual([]);
  });

  it('keeps every landed migration (none is ever deleted)', () => {
    expect(Object.keys(manifest).filter((file) => !files.includes(file))).toEqual([]);
  });

  it('finds every landed migration unchanged (add a new migration instead of editing one)', () => {
    expect(edited((file) => readFileSync(join(DIR, file)))).toEqual([]);
  });

  it('fails when a landed migration is edited, even by one character', () => {
    const [first] = Object.keys(manifest);
    const tampered = (file: string): Buffer | string => {
      const content = readFileSync(join(DIR, file), 'utf8');
      return file === first ? content.replace(/;/, ',') : content;
    };
    expect(edited(tampered)).toEqual([first]);
  });

  it('names each migration by a clock timestamp that its class repeats', () => {
    for (const file of files) {
      const timestamp = /^(\d{13})-[a-z0-9-]+\.ts$/.exec(file)?.[1];
      expect({ file, wellNamed: timestamp !== undefined }).toEqual({ file, wellNamed: true });
      const source = readFileSync(join(DIR, file), 'utf8');
      expect({
        file,
        named: source.includes(`${timestamp} implements MigrationInterface`),
      }).toEqual({ file, named: true });
      if (!ROUNDED_BEFORE_THE_RULE.has(timestamp!)) {
        expect({ file, rounded: timestamp!.endsWith('00000') }).toEqual({ file, rounded: false });
      }
    }
  });
});
