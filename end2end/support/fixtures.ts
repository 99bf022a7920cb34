// Test fixtures and helpers shared by the specs.
//
// - baseURL comes from the global setup (support/server.ts).
// - Every page records when the app's WebAssembly module has been
//   instantiated, so tests can wait for hydration before typing into inputs
//   (otherwise hydration may reset a value typed into the server-rendered HTML).
// - An uncaught page error (e.g. a panic in the wasm client) fails the test;
//   console errors are attached to the report.
import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import { BASE_URL_ENV, SCREENSHOT_DIR } from './env';

declare global {
  interface Window {
    __e2eWasmReady?: boolean;
  }
}

// Runs in the page before any of its scripts. wasm-bindgen's init() resolves
// right after instantiation and Leptos's hydration script then calls
// hydrate() synchronously in the same microtask chain, so once the flag is
// visible from a later task the page has hydrated.
function markWasmReady() {
  const wasm = WebAssembly as typeof WebAssembly & Record<string, unknown>;
  const mark = <T,>(p: Promise<T>) =>
    p.then((r) => {
      window.__e2eWasmReady = true;
      return r;
    });
  const streaming = wasm.instantiateStreaming?.bind(wasm);
  if (streaming) {
    wasm.instantiateStreaming = ((...args: Parameters<typeof streaming>) =>
      mark(streaming(...args))) as typeof WebAssembly.instantiateStreaming;
  }
  const instantiate = wasm.instantiate.bind(wasm) as (...a: unknown[]) => Promise<unknown>;
  wasm.instantiate = ((...args: unknown[]) => mark(instantiate(...args))) as typeof WebAssembly.instantiate;
}

export const test = base.extend<{ pageErrors: string[] }>({
  baseURL: async ({ baseURL }, use) => {
    await use(process.env[BASE_URL_ENV] || baseURL);
  },

  pageErrors: async ({}, use) => {
    await use([]);
  },

  page: async ({ page, pageErrors }, use, testInfo) => {
    const consoleErrors: string[] = [];
    await page.addInitScript(markWasmReady);
    page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}\n${err.stack ?? ''}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });

    await use(page);

    if (consoleErrors.length > 0) {
      await testInfo.attach('browser-console-errors.txt', {
        body: consoleErrors.join('\n\n'),
        contentType: 'text/plain',
      });
    }
    if (pageErrors.length > 0) {
      await testInfo.attach('page-errors.txt', { body: pageErrors.join('\n\n'), contentType: 'text/plain' });
      throw new Error(`uncaught error(s) in the page (wasm panic?):\n${pageErrors.join('\n')}`);
    }
  },
});

export { expect };

/**
 * Waits until the page has hydrated, if it loads the app's wasm at all (error
 * pages or plain server responses may not).
 */
export async function waitForHydration(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForLoadState('domcontentloaded');
  const loadsWasm = await page.locator('link[href$=".wasm"], script[type="module"]').count();
  if (loadsWasm === 0) return;
  try {
    await page.waitForFunction(() => window.__e2eWasmReady === true, null, { timeout });
    // The main module is in; the page's lazy chunks may still be loading.
    // The app marks <html data-hydrated> once they have and the page has
    // hydrated (app/src/lib.rs). Navigating away before that aborts the
    // chunk fetch, which the split loader reports as a panic.
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-hydrated'), null, { timeout });
  } catch (e) {
    throw new Error(
      `${page.url()} did not hydrate within ${timeout} ms (is target/site/pkg/masquerade.wasm built and served?): ${e}`,
    );
  }
}

/** page.goto(path) followed by waitForHydration. */
export async function open(page: Page, urlPath: string): Promise<void> {
  await page.goto(urlPath);
  await waitForHydration(page);
}

/** Signs in on /login with the given credentials (does not assert where it lands). */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await open(page, '/login');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Signs in and waits for the users list, the console's landing page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await submitSignIn(page, email, password);
  await expect(page).toHaveURL(/\/users(\?.*)?$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  await waitForHydration(page);
}

/** Full-page screenshot into end2end/screenshots/<name>.png, also attached to the report. */
export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}
