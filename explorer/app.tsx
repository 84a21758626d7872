/**
 * The browser side of the explorer: GraphiQL, bundled by esbuild (explorer/build.mjs) into
 * dist/explorer and served by this API itself, so it works with no network beyond the server.
 * The server renders the page and hands this script its settings (endpoint, example tabs,
 * token hint) in a JSON block, since the page's CSP forbids inline scripts.
 *
 * The explorer keeps no secrets: the token lives in the page's Token field only, which every
 * tab (a new one included) sends, and nothing GraphiQL saves in the browser holds a header or
 * a response (see scrubbedStorage).
 */
import { GraphiQL, type GraphiQLProps } from 'graphiql';
import type { ExecutionResult } from 'graphql';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';
import './explorer.css';

/** What the server writes into `<script id="explorer-config" type="application/json">`. */
export type ExplorerSettings = {
  endpoint: string;
  tokenHint: string;
  tabs: { query: string; variables?: string }[];
};

/** GraphiQL's storage interface (@graphiql/toolkit's `Storage`). */
type GraphiQLStorage = NonNullable<GraphiQLProps['storage']>;

function readSettings(): ExplorerSettings {
  const element = document.getElementById('explorer-config');
  if (!element?.textContent) throw new Error('The explorer page has no #explorer-config block');
  return JSON.parse(element.textContent) as ExplorerSettings;
}

/** The credential headers of the Token field: an API key (dg_…) or a bearer token. */
function credentialHeaders(field: HTMLInputElement | null): Record<string, string> {
  const value = (field?.value ?? '').trim().replace(/^bearer\s+/i, '');
  if (!value) return {};
  return value.startsWith('dg_') ? { 'x-api-key': value } : { authorization: `Bearer ${value}` };
}

/**
 * POSTs to the API with the Token field's credential and the language switch's choice as
 * Accept-Language (a header of the tab's own, typed in the
 * Headers editor, wins). With no credential at all, an operation is answered here with how to
 * get a token; introspection, which needs none, still loads the schema.
 */
function createFetcher(settings: ExplorerSettings): GraphiQLProps['fetcher'] {
  const tokenField = document.getElementById('explorer-token') as HTMLInputElement | null;
  // The language switch: names, labels and messages come back in it (with fallback).
  const languageField = document.getElementById('explorer-language') as HTMLSelectElement | null;
  return async (params, options): Promise<ExecutionResult> => {
    const language = languageField?.value ?? '';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(language ? { 'accept-language': language } : {}),
      ...credentialHeaders(tokenField),
    };
    for (const [name, value] of Object.entries(options?.headers ?? {})) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    const credential = headers.authorization !== undefined || headers['x-api-key'] !== undefined;
    if (!credential && params.operationName !== 'IntrospectionQuery') {
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

/** Fields of GraphiQL's saved state that may hold a credential or the data it returned. */
const UNSAVED_FIELDS = new Set(['headers', 'response']);

function scrub(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(scrub);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !UNSAVED_FIELDS.has(key))
        .map(([key, child]) => [key, scrub(child)]),
    );
  }
  return value;
}

/**
 * GraphiQL saves its tabs, history and favourites in localStorage, each with the headers it
 * ran with (even with shouldPersistHeaders off) and the tab's last response. This storage
 * keeps the page's state in memory and saves to localStorage only what can hold neither: the
 * same values without their headers and responses, and never the header editor's own text.
 */
function scrubbedStorage(): GraphiQLStorage {
  const memory = new Map<string, string>();
  const saved = window.localStorage;
  const persist = (key: string, value: string) => {
    if (/headers$/i.test(key)) return;
    let safe = value;
    try {
      safe = JSON.stringify(scrub(JSON.parse(value)));
    } catch {
      // Not JSON: a query or variables text, which GraphiQL saves as typed.
    }
    try {
      saved.setItem(key, safe);
    } catch {
      // Full or refused storage: the page keeps working from memory.
    }
  };
  // What an earlier explorer saved with its headers goes, on this page's first load.
  for (const key of Object.keys(saved)) {
    if (!key.startsWith('graphiql:')) continue;
    const value = saved.getItem(key);
    if (/headers$/i.test(key)) saved.removeItem(key);
    else if (value !== null) persist(key, value);
  }
  return {
    getItem: (key) => memory.get(key) ?? (/headers$/i.test(key) ? null : saved.getItem(key)),
    setItem: (key, value) => {
      memory.set(key, value);
      persist(key, value);
    },
    removeItem: (key) => {
      memory.delete(key);
      saved.removeItem(key);
    },
    clear: () => {
      memory.clear();
      saved.clear();
    },
    get length() {
      return saved.length;
    },
  };
}

const settings = readSettings();
const root = document.getElementById('graphiql');
if (!root) throw new Error('The explorer page has no #graphiql element');
createRoot(root).render(
  <GraphiQL
    fetcher={createFetcher(settings)}
    storage={scrubbedStorage()}
    defaultTabs={settings.tabs}
    defaultHeaders=""
    shouldPersistHeaders={false}
    isHeadersEditorEnabled
  />,
);
