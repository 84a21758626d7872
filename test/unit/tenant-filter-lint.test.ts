import { spawnSync } from 'node:child_process';

/*
 * The lint rule that keeps tenant conditions inside the tenancy API (src/auth/access.ts), as
 * the project's ESLint config declares it. Only that rule runs (the type-aware ones would
 * take half a minute), in a child process because jest cannot load the ESM config.
 */
const LINT = `
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import config from './eslint.config.mjs';
const rule = 'no-restricted-syntax';
const only = config.map(({ files, ignores, rules }) => ({
  ...(files ? { files } : {}),
  ...(ignores ? { ignores } : {}),
  ...(rules?.[rule] ? { rules: { [rule]: rules[rule] } } : {}),
}));
const { code, filePath } = JSON.parse(process.argv[1]);
const messages = new Linter({ configType: 'flat' }).verify(
  code,
  [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...only],
  filePath,
);
process.stdout.write(JSON.stringify(messages.filter((m) => m.ruleId === rule).length));
`;

function restrictedSyntaxProblems(code: string, filePath: string): number {
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', LINT, JSON.stringify({ code, filePath })],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout);
}

describe('hand-written tenant filters', () => {
  const service = 'src/modules/project/project.service.ts';

  it('are refused in a service, in template and in plain string SQL', () => {
    const template = 'export const q = `SELECT 1 FROM p WHERE p.tenant_id = ANY ($1)`;\n';
    expect(restrictedSyntaxProblems(template, service)).toBe(1);
    const plain = "export const q = 'WHERE tenant_id IN (SELECT 1)';\n";
    expect(restrictedSyntaxProblems(plain, service)).toBe(1);
    expect(restrictedSyntaxProblems('export const q = `p.code = ANY ($1)`;\n', service)).toBe(0);
  }, 30_000);

  it('are the tenancy API’s own to write', () => {
    const code = 'export const q = `p.tenant_id = ANY ($1::uuid[])`;\n';
    expect(restrictedSyntaxProblems(code, 'src/auth/access.ts')).toBe(0);
  }, 30_000);
});
