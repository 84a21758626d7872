/**
 * The browser side of the explorer: GraphiQL, bundled by esbuild (explorer/build.mjs) into
 * dist/explorer and served by this API itself, so it works with no network beyond the server.
 * The server renders the page and hands this script its settings (endpoint, example tabs,
 * header template) in a JSON block, since the page's CSP forbids inline scripts.
 */
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import type { ExecutionResult } from 'graphql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './explorer.css';

/** What the server writes into `<script id="explorer-config" type="application/json">`. */
export type ExplorerSettings = {
  endpoint: string;
  headers: string;
  tokenPlaceholder: string;
  tokenHint: string;
  tabs: { query: string; variables?: string; headers?: string }[];
};

function readSettings(): ExplorerSettings {
  const element = document.getElementById('explorer-config');
  if (!element?.textContent) throw new Error('The explorer page has no #explorer-config block');
  return JSON.parse(element.textContent) as ExplorerSettings;
}

/**
 * POSTs to the API. A header still holding the placeholder is dropped, so the schema loads
 * anonymously (introspection needs no token); an operation sent with it is answered here with
 * how to get a token, instead of a bare 401 from the server.
 */
function createFetcher(settings: ExplorerSettings): GraphiQLProps['fetcher'] {
  return async (params, options): Promise<ExecutionResult> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    let placeholder = false;
    for (const [name, value] of Object.entries(options?.headers ?? {})) {
      if (typeof value !== 'string') continue;
      if (value.includes(settings.tokenPlaceholder)) placeholder = true;
      else headers[name] = value;
    }
    if (placeholder && params.operationName !== 'IntrospectionQuery') {
      return { errors: [{ message: settings.tokenHint }] } as unknown as ExecutionResult;
    }
    const response = await fetch(settings.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
      credentials: 'omit',
    });
    return (await response.json()) as ExecutionResult;
  };
}

const settings = readSettings();
const root = document.getElementById('graphiql');
if (!root) throw new Error('The explorer page has no #graphiql element');
createRoot(root).render(
  <GraphiQL
    fetcher={createFetcher(settings)}
    defaultTabs={settings.tabs}
    defaultHeaders={settings.headers}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders={false}
    isHeadersEditorEnabled
  />,
);
