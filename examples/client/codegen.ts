import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the client (`npm run codegen`, from this folder, rewrites generated/).
 *
 * The schema is the API's SDL: by default the one committed beside this folder in the API's
 * repository; with DG_SCHEMA_URL (e.g. https://api.example.org/schema.graphql) the one a
 * deployment serves, fetched with DG_TOKEN (any principal may download it, even where
 * introspection is off).
 */
const url = process.env.DG_SCHEMA_URL;
const schema: CodegenConfig['schema'] = url
  ? [{ [url]: { headers: { authorization: `Bearer ${process.env.DG_TOKEN ?? ''}` } } }]
  : '../../schema/schema.graphql';

const config: CodegenConfig = {
  schema,
  documents: ['src/**/*.graphql'],
  generates: {
    'generated/': {
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
