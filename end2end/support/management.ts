// A minimal client for Masquerade's Management REST API ({base}/api/v1/),
// authenticated as the bootstrap machine-to-machine client (support/env.ts).
// Specs use it to register the applications and APIs their independent
// clients need. Every unexpected status throws with the response body.
import crypto from 'node:crypto';
import { BOOTSTRAP_CLIENT } from './env';

export type AppType = 'regular_web' | 'spa' | 'native' | 'm2m';

export interface ApplicationInput {
  name: string;
  description?: string;
  app_type: AppType;
  callback_urls: string[];
  allowed_logout_urls: string[];
  allowed_web_origins: string[];
  initiate_login_uri?: string;
  grant_types: string[];
  allow_impersonation?: boolean;
  /** Omitted: the default connection, so the demo users can sign in. */
  connection_ids?: string[];
  tokens?: {
    id_token_lifetime_secs: number;
    refresh_tokens: boolean;
    refresh_rotation: boolean;
    refresh_lifetime_secs: number;
    signing_alg: string;
  };
}

export interface CreatedApplication {
  application: { client_id: string; name: string; [k: string]: unknown };
  /** Confidential types only; shown once. */
  client_secret?: string;
}

export interface ApiInput {
  identifier: string;
  name: string;
  signing_alg: string;
  token_lifetime_secs: number;
  permissions: { value: string; description: string }[];
}

export interface CreatedApi {
  id: string;
  identifier: string;
  [k: string]: unknown;
}

/** A name no other run (or spec) uses, e.g. "openid-client RP lx3k9a-4f2c". */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}`;
}

export class ManagementApi {
  private constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  /** {base}/api/v1/ — the Management API's identifier (its token audience). */
  static audience(base: string): string {
    return `${base}/api/v1/`;
  }

  /** Gets a client_credentials token for the Management API as the bootstrap client. */
  static async connect(base: string): Promise<ManagementApi> {
    const res = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(
          `${encodeURIComponent(BOOTSTRAP_CLIENT.id)}:${encodeURIComponent(BOOTSTRAP_CLIENT.secret)}`,
        ).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', audience: ManagementApi.audience(base) }),
    });
    const text = await res.text();
    if (res.status !== 200) {
      throw new Error(
        `Management API token for ${BOOTSTRAP_CLIENT.id}: POST /oauth/token answered ${res.status}: ${text}\n` +
          '(is the server started with MASQUERADE_BOOTSTRAP_CLIENT_ID/SECRET from support/env.ts?)',
      );
    }
    const token = JSON.parse(text).access_token;
    if (typeof token !== 'string' || token === '') throw new Error(`no access_token in ${text}`);
    return new ManagementApi(base, token);
  }

  /** Calls {base}/api/v1/{path}; throws unless the status is `expected`. */
  async call<T>(method: string, path: string, expected: number, body?: unknown): Promise<T> {
    const url = `${this.base}/api/v1/${path.replace(/^\//, '')}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected) {
      throw new Error(`${method} ${url} answered ${res.status} (expected ${expected}): ${text}`);
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async createApplication(input: ApplicationInput): Promise<CreatedApplication> {
    const created = await this.call<CreatedApplication>('POST', 'applications', 201, input);
    if (!created?.application?.client_id) {
      throw new Error(`POST applications: no application.client_id in ${JSON.stringify(created)}`);
    }
    return created;
  }

  async createApi(input: ApiInput): Promise<CreatedApi> {
    const created = await this.call<CreatedApi>('POST', 'apis', 201, input);
    if (!created?.id) throw new Error(`POST apis: no id in ${JSON.stringify(created)}`);
    return created;
  }

  /**
   * Lets an application get tokens for the API (client_credentials,
   * `audience`) with `permissions`; by default every permission the API
   * defines. A client gets only what it is granted.
   */
  async authorizeClient(apiId: string, clientId: string, permissions?: string[]): Promise<void> {
    const api = encodeURIComponent(apiId);
    const granted =
      permissions ??
      (await this.call<{ permissions: { value: string }[] }>('GET', `apis/${api}`, 200)).permissions.map((p) => p.value);
    await this.call<unknown>('PUT', `apis/${api}/clients/${encodeURIComponent(clientId)}/permissions`, 200, {
      permissions: granted,
    });
  }
}
