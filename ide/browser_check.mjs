// Drives GraphiQL in Debian's headless Chromium (playwright-core, no downloaded browser) and prints a JSON report:
//   node ide/browser_check.mjs URL SCREENSHOT_DIR
// Used by tests/ide/test_graphiql_browser.py; it asserts nothing itself, the test does.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const origin = new URL(url).origin;
const report = { requests: [], external: [], failed: [], console: [], steps: {} };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('request', (r) => {
    report.requests.push(r.url());
    if (!r.url().startsWith(origin) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) {
      report.external.push(r.url());
    }
  });
  page.on('requestfailed', (r) => report.failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('console', (m) => { if (m.type() === 'error') report.console.push(m.text()); });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('.graphiql-container .monaco-editor', { timeout: 30000 });
  // The schema is loaded by introspection; the docs button becomes usable when it is.
  await page.waitForFunction(() => document.querySelector('.graphiql-query-editor')?.innerText.includes('courses'),
    null, { timeout: 30000 });
  report.steps.loaded = true;
  await page.screenshot({ path: join(shots, '1-loaded.png') });

  await page.click('.graphiql-execute-button');
  await page.waitForFunction(() => document.querySelector('.graphiql-response')?.innerText.includes('"title"'),
    null, { timeout: 30000 });
  report.steps.response = await page.locator('.graphiql-response').innerText();
  await page.screenshot({ path: join(shots, '2-ran.png') });

  // Type a new query and ask for completions inside `courses { ... }`.
  const editor = page.locator('.graphiql-query-editor .monaco-editor').first();
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('{ courses { ', { delay: 20 });
  await page.keyboard.press('Control+Space');
  await page.waitForSelector('.suggest-widget.visible .monaco-list-row', { timeout: 20000 });
  report.steps.suggestions = await page.locator('.suggest-widget.visible .monaco-list-row').allInnerTexts();
  await page.screenshot({ path: join(shots, '3-autocomplete.png') });

  // The docs explorer lists the root type's fields from the schema.
  await page.keyboard.press('Escape');
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector('.graphiql-doc-explorer', { timeout: 20000 });
  report.steps.docs = await page.locator('.graphiql-doc-explorer').innerText();
  await page.screenshot({ path: join(shots, '4-docs.png') });
} catch (error) {
  report.error = String(error && error.stack || error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
