// Playwright configuration for the Masquerade console end-to-end tests.
//
// Run from the repository root:
//   npm run e2e                                   (same as the next line)
//   npx playwright test -c end2end/playwright.config.ts
//
// The global setup (support/server.ts) starts our own server binary with
// `--demo` on a free port and a throwaway SQLite database, and stops it after
// the run. Set MASQUERADE_BIN to test another build (default
// target/debug/masquerade), or MASQUERADE_E2E_BASE_URL to test a server that
// is already running (it must have the e2e administrator and the bootstrap
// Management API client, see support/env.ts).
//
// Browsers are never downloaded: Chromium comes from apt at /usr/bin/chromium
// (override with MASQUERADE_E2E_CHROMIUM).
//
// Relative paths below resolve against this file's directory (end2end/).
import { defineConfig, devices } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './support/server.ts',

  // 2-core machine, one shared server and database: run tests one at a time.
  workers: 1,
  fullyParallel: false,
  // Every run starts from a fresh database; a retry would see the first
  // attempt's data (e.g. an application that already exists).
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  // Debug builds hash passwords slowly; give server round-trips some room.
  expect: { timeout: 10_000 },

  reporter: [
    ['list'],
    ['html', { outputFolder: './playwright-report', open: 'never' }],
  ],

  use: {
    // Set by the global setup before the workers start (workers re-read this
    // file); support/fixtures.ts also reads it at fixture time.
    baseURL: process.env.MASQUERADE_E2E_BASE_URL,
    screenshot: 'on',
    trace: 'retain-on-failure',
    navigationTimeout: 20_000,
    actionTimeout: 10_000,
  },

  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: process.env.MASQUERADE_E2E_CHROMIUM || '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
