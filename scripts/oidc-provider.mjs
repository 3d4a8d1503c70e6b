// Real OpenID Connect providers (the certified `oidc-provider` package) on loopback, for the
// tests (tests/oidc_provider.py) and for `SSO_DEMO=1 make run`, where anyone may sign in as any
// address. Never for production. Two providers share one port:
//   ISSUER                      a standard provider in oidc-provider's default configuration: the
//                               ID token carries `sub` only, email and name come from userinfo
//                               (OpenID Connect Core 5.4), as many providers do
//   ISSUER/organizations/v2.0   shaped like Microsoft Entra ID's multi-tenant endpoint: discovery
//                               announces the issuer ISSUER/{tenantid}/v2.0, each ID token carries
//                               its tenant (`tid`) and the issuer of that tenant, the claims are in
//                               the ID token, and there is no `email_verified` unless an account
//                               says so (a tenant's administrators set the email attribute)
// Configured from the environment:
//   PORT, ISSUER            where it listens and what the standard provider calls itself
//   CLIENTS                 JSON list of {client_id, client_secret, redirect_uris,
//                           post_logout_redirect_uris, tid?}; a client with a `tid` (its
//                           accounts' default tenant) belongs to the Entra-shaped provider
//   ACCOUNTS_FILE           JSON file {login: {email, email_verified, name, tid?, ...}}, read at
//                           each sign-in so a test can change it; a login not in it signs in with
//                           email = login (verified, at the standard provider)
//   JWKS_FILE               the signing keys (private JWKs), so tests can check signatures;
//                           without it a key is made at start
//   CLOCK_OFFSET_SECONDS    providers whose clock is wrong by this much (their tokens' times)
//   ID_TOKEN_TTL            seconds an ID token is valid (3600)
import { AsyncLocalStorage } from 'node:async_hooks';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const {
  PORT, ISSUER, CLIENTS, ACCOUNTS_FILE, JWKS_FILE, CLOCK_OFFSET_SECONDS,
} = process.env;
const ENTRA_PATH = '/organizations/v2.0';
const offset = Number(CLOCK_OFFSET_SECONDS || 0) * 1000;
if (offset) {
  const realNow = Date.now;
  Date.now = () => realNow() + offset;
}
const clients = JSON.parse(CLIENTS);
const jwks = JWKS_FILE ? JSON.parse(readFileSync(JWKS_FILE, 'utf8')) : newSigningKeys();
// The tenant of the account a request is about, so the Entra-shaped provider signs with that
// tenant's issuer.
const request = new AsyncLocalStorage();

function account(login) {
  let accounts = {};
  try {
    accounts = JSON.parse(readFileSync(ACCOUNTS_FILE, 'utf8'));
  } catch {
    // no file yet: every login is an ordinary address
  }
  return accounts[login];
}

function standardClaims(login) {
  return { sub: login, ...(account(login) || { email: login, email_verified: true, name: login }) };
}

function entraClaims(login, client) {
  const claims = { sub: login, ...(account(login) || { email: login, name: login }) };
  claims.tid = claims.tid || client.tid;
  request.getStore().tid = claims.tid;
  return claims;
}

function makeProvider(issuer, ownClients, claimsOf, idTokenHasClaims) {
  const byId = Object.fromEntries(ownClients.map((c) => [c.client_id, c]));
  return new Provider(issuer, {
    clients: ownClients.map((c) => ({
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
        claims: async () => claimsOf(id, byId[ctx.oidc.client && ctx.oidc.client.clientId] || {}),
      };
    },
    claims: {
      openid: ['sub', 'tid'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // Entra puts the scopes' claims into the ID token; the standard provider does not.
    conformIdTokenClaims: !idTokenHasClaims,
    pkce: { required: () => true },
    ttl: { IdToken: Number(process.env.ID_TOKEN_TTL || 3600) },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    cookies: { keys: ['arena-test-provider'] },
    jwks,
  });
}

function newSigningKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'demo', use: 'sig' }] };
}

const standard = makeProvider(ISSUER, clients.filter((c) => !c.tid), standardClaims, false);
const entra = makeProvider(
  `${ISSUER}${ENTRA_PATH}`, clients.filter((c) => c.tid), entraClaims, true,
);
// Discovery announces the template; a token is signed with its own tenant's issuer.
Object.defineProperty(entra, 'issuer', {
  get() {
    return `${ISSUER}/${request.getStore()?.tid || '{tenantid}'}/v2.0`;
  },
});

const standardApp = standard.callback();
const entraApp = entra.callback();
createServer((req, res) => {
  request.run({}, () => {
    if (req.url === ENTRA_PATH || req.url.startsWith(`${ENTRA_PATH}/`)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(ENTRA_PATH.length) || '/';
      entraApp(req, res);
    } else {
      standardApp(req, res);
    }
  });
}).listen(Number(PORT), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${ISSUER} and ${ISSUER}${ENTRA_PATH}`);
});
