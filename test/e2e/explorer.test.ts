import type { Browser, Locator, Page } from 'playwright-core';
import { DEMO_USERS } from '../../seeds/programme';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH, launchChromium } from '../helpers/browser';
import { startTestServer, type TestServer } from '../helpers/server';

/**
 * A developer at a field office opens the explorer with no network but the API's own server:
 * pastes a dev token, runs the first example, and sees the seed data. Every request the page
 * makes goes to the server itself.
 */
// A fresh machine may have no Chromium: then this test is skipped with a notice, except in CI
// (CI=true), where .ci/run installs Debian's Chromium and the test must pass.
const browserDescribe = existsSync(CHROMIUM_PATH) || process.env.CI ? describe : describe.skip;
if (browserDescribe !== describe) {
  console.warn(`No Chromium at ${CHROMIUM_PATH}: the explorer's browser test is skipped`);
}

browserDescribe('the explorer in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.on('request', (request) => requested.push(request.url()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('runs the first example with a pasted dev token and shows seed data', async () => {
    const token = await server.tokenFor(DEMO_USERS.tjAdmin.subject);
    await page.goto(`${server.url}/`, { waitUntil: 'load', timeout: 30_000 });
    await expect(page.locator('#explorer-environment').textContent()).resolves.toBe('test');

    // GraphiQL rendered, the schema loaded (the query editor has a first tab named after it).
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', {
      timeout: 30_000,
    });
    await page.waitForSelector('.graphiql-tab:has-text("ProjectWith")', { timeout: 30_000 });

    // The header editor starts with the placeholder; paste the token over it.
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
    await headers.waitFor({ timeout: 30_000 });
    await expect(editorValue(headers)).resolves.toContain('Bearer <paste token>');
    // Run before pasting: the explorer says how to get a token instead of sending the placeholder.
    await page.click('.graphiql-execute-button');
    await page.waitForSelector('.result-window:has-text("Paste a token")', { timeout: 30_000 });

    await headers.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${token}` }));
    await expect(editorValue(headers)).resolves.toContain(token);

    await page.click('.graphiql-execute-button');
    await page.waitForSelector('.result-window:has-text("LWD-TJ")', { timeout: 30_000 });
    const result = await page.locator('.result-window').textContent();
    expect(result).toContain('Living with Dignity');
    expect(result).toContain('Khatlon');
    expect(result).not.toContain('"errors"');

    const origin = new URL(server.url).origin;
    const elsewhere = requested.filter(
      (url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'),
    );
    expect(requested.length).toBeGreaterThan(3);
    expect(elsewhere).toEqual([]);

    // `EXPLORER_SCREENSHOT=docs/explorer.png npx jest test/e2e/explorer` refreshes the README's.
    if (process.env.EXPLORER_SCREENSHOT) {
      await page.screenshot({ path: process.env.EXPLORER_SCREENSHOT });
    }
  }, 120_000);
});

/** The text of a CodeMirror 5 editor, read from the instance GraphiQL hangs on its element. */
function editorValue(editor: Locator): Promise<string> {
  return editor.evaluate((element) =>
    (element as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue(),
  );
}
