// A real OpenID Connect provider (the certified `oidc-provider` package) on loopback, for the
// tests (tests/oidc_provider.py) and for `SSO_DEMO=1 make run`, where anyone may sign in as any
// address. Never for production. Configured from the environment:
//   PORT, ISSUER            where it listens and what it calls itself
//   CLIENTS                 JSON list of {client_id, client_secret, redirect_uris,
//                           post_logout_redirect_uris, tid?, id_token_ttl?}; a client with a
//                           `tid` is shaped like Microsoft Entra ID (its tokens carry the tenant)
//   ACCOUNTS_FILE           JSON file {login: {email, email_verified, name, tid?}}, read at each
//                           sign-in so a test can change it; a login not in it signs in with
//                           email = login, verified
//   JWKS_FILE               the signing keys (private JWKs), so tests can check signatures;
//                           without it a key is made at start
//   CLOCK_OFFSET_SECONDS    a provider whose clock is wrong by this much (its tokens' times)
//   ID_TOKEN_TTL            seconds an ID token is valid (3600)
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const {
  PORT, ISSUER, CLIENTS, ACCOUNTS_FILE, JWKS_FILE, CLOCK_OFFSET_SECONDS,
} = process.env;
const offset = Number(CLOCK_OFFSET_SECONDS || 0) * 1000;
if (offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}
const clients = JSON.parse(CLIENTS);
const byId = Object.fromEntries(clients.map((c) => [c.client_id, c]));

function accountClaims(login, clientId) {
  let accounts = {};
  try {
    accounts = JSON.parse(readFileSync(ACCOUNTS_FILE, 'utf8'));
  } catch {
    // no file yet: every login is an ordinary verified address
  }
  const account = accounts[login] || { email: login, email_verified: true, name: login };
  const claims = { sub: login, ...account };
  const client = byId[clientId];
  if (client && client.tid) {
    claims.tid = account.tid || client.tid;
    delete claims.email_verified; // Entra ID does not send it: the tenant vouches
  } else {
    delete claims.tid;
  }
  return claims;
}

const configuration = {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    post_logout_redirect_uris: c.post_logout_redirect_uris || [],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })),
  findAccount(ctx, id) {
    return {
      accountId: id,
      claims: async () => accountClaims(id, ctx.oidc.client && ctx.oidc.client.clientId),
    };
  },
  claims: {
    openid: ['sub', 'tid'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  conformIdTokenClaims: false, // the scopes' claims go into the ID token, as Entra and Feide do
  pkce: { required: () => true },
  ttl: {
    IdToken: Number(process.env.ID_TOKEN_TTL || 3600),
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['arena-test-provider'] },
  jwks: JWKS_FILE ? JSON.parse(readFileSync(JWKS_FILE, 'utf8')) : newSigningKeys(),
};

function newSigningKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'demo', use: 'sig' }] };
}

const provider = new Provider(ISSUER, configuration);
provider.listen(Number(PORT), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${ISSUER}`);
});
