// The peer for `make bench`: node-oidc-provider on loopback, configured to
// do the same work as Masquerade's token endpoint.
//
//   client_credentials  -> JWT access token (at+jwt) signed ES256, for a
//                          resource indicator (RFC 8707)
//   authorization_code  -> ES256 ID token plus ES256 JWT access token
//
// Codes are minted before the run through the provider's own models (Grant
// and AuthorizationCode, exactly what its authorization endpoint saves), and
// written one per line to BENCH_CODES_FILE. Storage is an in-memory Map (the
// fastest adapter there is; the stock MemoryAdapter is an LRU capped at 1,000
// entries, too small to hold the codes).
//
// Environment: PORT (required), BENCH_CODES (default 0), BENCH_CODES_FILE.
// Prints "ready" on stdout once listening and the codes are written.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
if (!port) throw new Error('PORT is required');
const issuer = `http://127.0.0.1:${port}`;

export const RESOURCE = 'https://api.bench.example/';
export const M2M = { id: 'bench-m2m', secret: 'bench-m2m-secret-0123456789abcdef' };
export const WEB = {
  id: 'bench-web',
  secret: 'bench-web-secret-0123456789abcdef',
  redirect: 'http://127.0.0.1/callback',
};
const ACCOUNT = 'usr_bench';

const store = new Map();
class MapAdapter {
  constructor(name) {
    this.name = name;
  }
  key(id) {
    return `${this.name}:${id}`;
  }
  async upsert(id, payload) {
    store.set(this.key(id), payload);
  }
  async find(id) {
    return store.get(this.key(id));
  }
  async findByUserCode() {
    return undefined;
  }
  async findByUid() {
    return undefined;
  }
  async consume(id) {
    const p = store.get(this.key(id));
    if (p) p.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id) {
    store.delete(this.key(id));
  }
  async revokeByGrantId() {}
}

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'es256-bench', alg: 'ES256', use: 'sig' };

const provider = new Provider(issuer, {
  adapter: MapAdapter,
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  clients: [
    {
      client_id: M2M.id,
      client_secret: M2M.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: WEB.id,
      client_secret: WEB.secret,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [WEB.redirect],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  clientDefaults: { id_token_signed_response_alg: 'ES256' },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({
      sub,
      email: 'admin@bench.example',
      email_verified: true,
      name: 'Bench Admin',
    }),
  }),
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
        return {
          scope: 'read:orders write:orders',
          audience: RESOURCE,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { AuthorizationCode: 60, AccessToken: 3600, ClientCredentials: 3600, IdToken: 3600, Grant: 3600 },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));

async function mintCodes(n) {
  const client = await provider.Client.find(WEB.id);
  const codes = [];
  const authTime = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n; i += 1) {
    const grant = new provider.Grant({ accountId: ACCOUNT, clientId: WEB.id });
    grant.addOIDCScope('openid email profile');
    grant.addResourceScope(RESOURCE, 'read:orders');
    const grantId = await grant.save();
    const code = new provider.AuthorizationCode({
      accountId: ACCOUNT,
      client,
      grantId,
      redirectUri: WEB.redirect,
      scope: 'openid email profile',
      resource: RESOURCE,
      authTime,
      nonce: `n-${i}`,
    });
    codes.push(await code.save());
  }
  return codes;
}

provider.listen(port, '127.0.0.1');
const n = Number(process.env.BENCH_CODES || 0);
if (n > 0) {
  const codes = await mintCodes(n);
  writeFileSync(process.env.BENCH_CODES_FILE, `${codes.join('\n')}\n`);
}
console.log('ready');
