// Starts and stops the openid-client relying party (end2end/rp/openid-client-rp.mjs)
// for a spec, and runs other client programs (the Authlib client) to completion.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './env';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export const RP_SCRIPT = path.join(REPO_ROOT, 'end2end', 'rp', 'openid-client-rp.mjs');

export interface RunningRp {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Everything the RP printed so far (stdout and stderr), for reports. */
  output(): string;
  stop(): Promise<void>;
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

/**
 * Starts the RP on `port` for the given application and waits for its
 * "RP_READY <url>" line (it has done OIDC discovery by then).
 */
export async function startOpenidClientRp(opts: {
  issuer: string;
  clientId: string;
  clientSecret: string;
  port: number;
  /** The ID token "alg" the application is configured with (default ES256). */
  idTokenAlg?: string;
}): Promise<RunningRp> {
  const child = spawn(process.execPath, [RP_SCRIPT], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      RP_ISSUER: opts.issuer,
      RP_CLIENT_ID: opts.clientId,
      RP_CLIENT_SECRET: opts.clientSecret,
      RP_PORT: String(opts.port),
      RP_ID_TOKEN_ALG: opts.idTokenAlg ?? 'ES256',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the openid-client RP did not start within ${READY_TIMEOUT_MS} ms. Its output:\n${out}`));
    }, READY_TIMEOUT_MS);
    const onData = () => {
      const m = /^RP_READY (\S+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start the openid-client RP: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the openid-client RP exited early (code ${code}, signal ${signal}). Its output:\n${out}`));
    });
  });

  return {
    url,
    output: () => out,
    stop: async () => {
      if (exited(child)) return;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    },
  };
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (killing it after `timeoutMs`) and collects its output. */
export function runProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[e2e] killed after ${timeoutMs} ms\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
