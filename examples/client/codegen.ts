import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the example client, from the API's committed schema:
 * `npm run client:codegen` (run from the repository's root) rewrites generated/.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['examples/client/src/**/*.graphql'],
  generates: {
    'examples/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          DateTime: 'string',
          LocalDate: 'string',
          UUID: 'string',
          JSONObject: 'Record<string, unknown>',
        },
      },
    },
  },
  ignoreNoDocuments: false,
};

// graphql-codegen loads its configuration through the default export.
export default config;
