// A real, certified OpenID provider (npm oidc-provider, pinned in ../package.json) for the
// Python tests of our sign-in (tests/auth). Started by a pytest fixture; never used in production.
//
//   node provider.mjs '<json config>'
//
// config: {
//   "port": 45123,                      // on 127.0.0.1; the issuer is http://127.0.0.1:<port>
//   "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//   "accounts": {"<login>": {"name", "phone_number", "id_number", "id_verified"}}
// }
//
// Any login name is accepted by the development interactions (any password); a login name found
// in `accounts` gets those claims, any other only `sub`. Prints one JSON line when listening.

import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2] ?? process.env.OIDC_PROVIDER_CONFIG ?? '{}');
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error('provider.mjs: config.port must be a port number');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const accounts = config.accounts ?? {};

// A signing key of its own per run (instead of the library's development keys).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: (config.clients ?? []).map((client) => ({
    client_id: client.client_id,
    client_secret: client.client_secret,
    redirect_uris: client.redirect_uris,
    token_endpoint_auth_method: 'client_secret_basic',
    response_types: ['code'],
    grant_types: ['authorization_code'],
  })),
  jwks: { keys: [signingKey] },
  // PKCE for confidential clients too (the default requires it only for public ones).
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    profile: ['name'],
    phone: ['phone_number'],
    id_card: ['id_number', 'id_verified'],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, sub) {
    const known = accounts[sub] ?? {};
    return {
      accountId: sub,
      async claims() {
        return { sub, ...known };
      },
    };
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ issuer }));
});

function stop() {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
