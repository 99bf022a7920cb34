// Shared constants for the end-to-end suite.
import path from 'node:path';

/** Repository root (this file is end2end/support/env.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Where page screenshots of the main screens are written (a test artifact). */
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'end2end', 'screenshots');

/** Environment variable through which the global setup hands the server URL to the tests. */
export const BASE_URL_ENV = 'MASQUERADE_E2E_BASE_URL';

/** Administrator created at start-up from MASQUERADE_ADMIN_EMAIL / MASQUERADE_ADMIN_PASSWORD. */
export const E2E_ADMIN = {
  email: 'e2e-admin@masquerade.test',
  password: 'e2e-password-123',
};

/** Seeded by `--demo`. */
export const DEMO_ADMIN = {
  email: 'admin@masquerade.test',
  password: 'masquerade-demo',
};

/** Seeded by `--demo`: a support agent (users:read, impersonation:create, impersonation:read, audit:read). */
export const DEMO_SUPPORT = {
  email: 'support@masquerade.test',
  password: 'masquerade-demo',
};

/** Seeded by `--demo`: an auditor (audit:read, impersonation:read). */
export const DEMO_AUDITOR = {
  email: 'auditor@masquerade.test',
  password: 'masquerade-demo',
};

/** Seeded by `--demo`: a customer, who holds no console permission. */
export const DEMO_CUSTOMER = {
  email: 'customer@masquerade.test',
  password: 'masquerade-demo',
};

/**
 * Machine-to-machine client the global setup creates at start-up through
 * MASQUERADE_BOOTSTRAP_CLIENT_ID/SECRET, with every Management API permission.
 * Specs use it to register their own applications and APIs through the
 * Management REST API (support/management.ts).
 */
export const BOOTSTRAP_CLIENT = {
  id: 'e2e-bootstrap',
  secret: 'e2e-bootstrap-secret-0123456789abcdef',
};
