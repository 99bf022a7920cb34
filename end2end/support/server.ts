// Playwright global setup: start our server binary with `--demo` on a free
// port and a throwaway SQLite database, wait for GET /healthz, and hand the
// base URL to the tests through process.env. The returned function is the
// global teardown: it stops the server and removes the temporary directory.
//
// Environment:
//   MASQUERADE_BIN            server binary (default target/debug/masquerade;
//                             release builds are target/release/masquerade)
//   MASQUERADE_E2E_BASE_URL   if already set, no server is started and the
//                             tests run against that URL instead
//   MASQUERADE_E2E_KEEP_TMP=1 keep the temporary directory (database, log)
//   MASQUERADE_E2E_SITE_ROOT  site directory to serve (default target/site)
//   MASQUERADE_E2E_SITE_SNAPSHOT=0  serve target/site itself instead of a copy
//                             taken at start-up (the copy protects a run from
//                             a concurrent `cargo leptos build`)
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FullConfig } from '@playwright/test';
import { BASE_URL_ENV, BOOTSTRAP_CLIENT, E2E_ADMIN, REPO_ROOT } from './env';
import { freePort } from './net';

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

function tail(file: string, maxLines = 80): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '(no output)';
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000), redirect: 'manual' });
    // Drain the body so the connection is released.
    await res.arrayBuffer().catch(() => undefined);
    return res.status === 200;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_TIMEOUT_MS)) return;
  console.warn(`[e2e] server (pid ${child.pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS} ms; sending SIGKILL`);
  child.kill('SIGKILL');
  await waitForExit(child, STOP_TIMEOUT_MS);
}

export default async function globalSetup(config: FullConfig): Promise<(() => Promise<void>) | undefined> {
  const external = process.env[BASE_URL_ENV];
  if (external) {
    console.log(`[e2e] ${BASE_URL_ENV}=${external}: using the running server, not starting one`);
    return undefined;
  }

  const bin = path.resolve(REPO_ROOT, process.env.MASQUERADE_BIN || 'target/debug/masquerade');
  if (!fs.existsSync(bin)) {
    throw new Error(
      `[e2e] server binary not found: ${bin}\n` +
        '      Build it first (cargo leptos build), or set MASQUERADE_BIN to another build ' +
        '(e.g. target/release/masquerade).',
    );
  }
  const repoSite = path.resolve(REPO_ROOT, process.env.MASQUERADE_E2E_SITE_ROOT || 'target/site');
  const wasm = path.join(repoSite, 'pkg', 'masquerade.wasm');
  const missing = [wasm, path.join(repoSite, 'pkg', 'masquerade.js')].filter((f) => !fs.existsSync(f));
  if (missing.length > 0) {
    // Nothing would hydrate, and every test would time out one by one.
    throw new Error(
      `[e2e] missing ${missing.join(', ')}: build the site first (cargo leptos build), ` +
        'or wait for the running build to finish.',
    );
  }
  if (fs.statSync(wasm).mtimeMs > fs.statSync(bin).mtimeMs + 1_000) {
    console.warn(
      `[e2e] warning: ${path.relative(REPO_ROOT, wasm)} is newer than the server binary (a build in progress?); ` +
        'the server may render HTML the wasm does not expect (hydration errors).',
    );
  }

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'masquerade-e2e-'));

  // Serve a snapshot of target/site, so that a `cargo leptos build` running
  // during the tests (it empties target/site/pkg first) cannot pull the wasm
  // out from under the server. MASQUERADE_E2E_SITE_SNAPSHOT=0 serves
  // target/site directly.
  let siteRoot = repoSite;
  if (process.env.MASQUERADE_E2E_SITE_SNAPSHOT !== '0' && fs.existsSync(repoSite)) {
    siteRoot = path.join(tmp, 'site');
    fs.cpSync(repoSite, siteRoot, { recursive: true });
  }
  const logFile = path.join(tmp, 'server.log');
  const log = fs.openSync(logFile, 'a');

  const child = spawn(bin, ['--demo'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      MASQUERADE_DATABASE_URL: `sqlite:${path.join(tmp, 'e2e.db')}`,
      MASQUERADE_LISTEN: `127.0.0.1:${port}`,
      MASQUERADE_PUBLIC_URL: baseURL,
      MASQUERADE_SITE_ROOT: siteRoot,
      MASQUERADE_ADMIN_EMAIL: E2E_ADMIN.email,
      MASQUERADE_ADMIN_PASSWORD: E2E_ADMIN.password,
      MASQUERADE_BOOTSTRAP_CLIENT_ID: BOOTSTRAP_CLIENT.id,
      MASQUERADE_BOOTSTRAP_CLIENT_SECRET: BOOTSTRAP_CLIENT.secret,
      RUST_LOG: 'warn',
      RUST_BACKTRACE: '1',
    },
    // stdout and stderr both go to the log file: no pipe can fill up and
    // stall the server during a long run.
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError = err;
  });

  let stopping = false;
  const cleanup = async () => {
    stopping = true;
    await stop(child);
    // Keep the server log next to the other test artifacts.
    try {
      const outDir = config.projects[0]?.outputDir;
      if (outDir) {
        fs.mkdirSync(outDir, { recursive: true });
        fs.copyFileSync(logFile, path.join(outDir, 'server.log'));
      }
    } catch {
      /* best effort */
    }
    if (process.env.MASQUERADE_E2E_KEEP_TMP === '1') {
      console.log(`[e2e] kept ${tmp}`);
    } else {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  };

  const started = Date.now();
  const health = `${baseURL}/healthz`;
  for (;;) {
    if (spawnError || exited(child)) {
      const why = spawnError
        ? `could not start: ${spawnError.message}`
        : `exited early (code ${child.exitCode}, signal ${child.signalCode})`;
      const output = tail(logFile);
      await cleanup();
      throw new Error(`[e2e] server ${bin} ${why}. Its output:\n${output}`);
    }
    if (await healthy(health)) break;
    if (Date.now() - started > STARTUP_TIMEOUT_MS) {
      const output = tail(logFile);
      await cleanup();
      throw new Error(
        `[e2e] server did not answer 200 on ${health} within ${STARTUP_TIMEOUT_MS / 1000} s. Its output:\n${output}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  console.log(`[e2e] server ${path.relative(REPO_ROOT, bin)} (pid ${child.pid}) ready at ${baseURL} in ${Date.now() - started} ms`);
  process.env[BASE_URL_ENV] = baseURL;

  // A server that dies mid-run turns every later test into ERR_CONNECTION_REFUSED;
  // say so, with its output, instead of leaving that to be guessed.
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(
      `\n[e2e] the server (pid ${child.pid}) exited during the run (code ${code}, signal ${signal}). Its output:\n${tail(logFile)}\n`,
    );
  });

  // If the runner is interrupted before teardown, do not leave the server behind.
  const onExit = () => {
    if (!exited(child)) child.kill('SIGKILL');
  };
  process.once('exit', onExit);

  return async () => {
    process.removeListener('exit', onExit);
    await cleanup();
  };
}
