import type { Config } from '../config';
import { EXAMPLE_TABS } from './explorer.examples';

/** Where the bundle's files are served from (dist/explorer on disk). */
export const ASSETS_PATH = '/explorer/assets';

/** The command that prints a development token for a demo user. */
export const TOKEN_COMMAND = 'npm run token -- --user tj-admin@demo.dignity-graph.org';

/**
 * Only this server: the bundle inlines its fonts and images (data: URLs) and GraphiQL sets
 * inline styles; nothing else may load, so a stray CDN reference fails loudly in the browser.
 */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** How to get a credential, as the banner and the explorer's own hint say it. */
function tokenAdvice(config: Config): { html: string; text: string } {
  if (config.isProduction) {
    const text =
      'Paste a token from your identity provider, or an API key of your organisation, into the Token field above; your country office issues them.';
    return { html: escapeHtml('A token from your identity provider, or an API key.'), text };
  }
  return {
    html: `Get one: <code>${escapeHtml(TOKEN_COMMAND)}</code> (demo users: README).`,
    text: `Paste a token into the Token field above. Get one with: ${TOKEN_COMMAND}`,
  };
}

/**
 * The explorer's page: a banner saying which environment this is, the one Token field every
 * tab sends (held in the page's memory only, never in browser storage), how to get a token,
 * and GraphiQL below it. Its settings travel as JSON (never executed) for the bundle to read.
 */
export function explorerPage(config: Config): string {
  const advice = tokenAdvice(config);
  const settings = {
    endpoint: '/graphql',
    tokenHint: advice.text,
    tabs: EXAMPLE_TABS,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>Dignity Graph explorer (${escapeHtml(config.env)})</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${ASSETS_PATH}/explorer.css" />
  </head>
  <body>
    <header class="explorer-banner" id="explorer-banner">
      <span class="explorer-title"><strong>Dignity Graph explorer</strong> ·
      Environment: <span class="environment" id="explorer-environment">${escapeHtml(config.env)}</span></span>
      <label class="explorer-token">Token
        <input id="explorer-token" type="password" autocomplete="off" spellcheck="false"
          placeholder="a bearer token, or an API key (dg_…)" />
      </label>
      <label class="explorer-language">Language
        <select id="explorer-language" title="Sent as Accept-Language (an operation's @locale wins)">
          <option value="">as written</option>
          <option value="en">English</option>
          <option value="ru">Русский</option>
          <option value="tg">Тоҷикӣ</option>
          <option value="ky">Кыргызча</option>
          <option value="uz-Latn">Oʻzbekcha</option>
          <option value="uz-Cyrl">Ўзбекча</option>
        </select>
      </label>
      <span class="explorer-advice">${advice.html} Kept in this page only: a reload forgets it.</span>
    </header>
    <main id="graphiql"><noscript>The explorer needs JavaScript.</noscript></main>
    <script id="explorer-config" type="application/json">${jsonForHtml(settings)}</script>
    <script src="${ASSETS_PATH}/explorer.js" defer></script>
  </body>
</html>
`;
}

/** The page when the bundle is missing, e.g. when the server runs from sources unbuilt. */
export function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Dignity Graph explorer</title></head>
  <body>
    <p>The explorer has not been built. Run <code>npm run build</code> (which <code>npm start</code> does) and reload.</p>
  </body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** JSON that cannot close the script element it sits in (`</script>`, `<!--`). */
function jsonForHtml(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
