// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const NAMED_EXPORTS = [{ selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }];

// A tenant condition in SQL text (`tenant_id = ANY (…)`, `tenant_id IN (…)`) is the tenancy
// API's to write: Access in src/auth/access.ts builds it from the principal's grants.
const TENANT_SQL = String.raw`/tenant_id\s*(=\s*ANY|IN)\s*\(/i`;
const TENANT_FILTERS = [
  `TemplateElement[value.raw=${TENANT_SQL}]`,
  `Literal[value=${TENANT_SQL}]`,
].map((selector) => ({
  selector,
  message: 'Tenant conditions come from the tenancy API (Access in src/auth/access.ts).',
}));

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'coverage/', 'examples/**/generated/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': [
        'error',
        // type-graphql and TypeORM read `design:type` metadata: decorated classes need value imports.
        {
          prefer: 'type-imports',
          disallowTypeAnnotations: false,
          fixStyle: 'separate-type-imports',
        },
      ],
      'no-restricted-syntax': ['error', ...NAMED_EXPORTS, ...TENANT_FILTERS],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The tenancy API itself; tests and seeds set up data as the migration role.
    files: ['src/auth/access.ts', 'test/**', 'seeds/**', 'bench/**', 'migrations/**'],
    rules: { 'no-restricted-syntax': ['error', ...NAMED_EXPORTS] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // Jest, ESLint and graphql-codegen load these files through their default export.
    files: ['test/helpers/global-*.mjs', '*.config.mjs', 'examples/client/codegen.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  prettier,
);
