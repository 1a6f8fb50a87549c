// A real OpenID provider for the tests: npm's oidc-provider (certified by the OpenID Foundation), on
// loopback, with its own development login and consent pages. Started by tests/oidc.py; nothing in
// Koers knows it is a test provider. Configuration comes as JSON in the environment:
//   OIDC_PORT      the port to listen on (127.0.0.1)
//   OIDC_CLIENTS   [{client_id, client_secret, redirect_uris}]
//   OIDC_ACCOUNTS  {"<login>": {claims…}}: what the provider says about whoever signs in with that
//                  login (any password); an unknown login gets <login>@example.org, verified.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const configuration = {
  clients: clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  async findAccount(ctx, id) {
    const claims = { sub: id, email: `${id}@example.org`, email_verified: true, name: id, ...(accounts[id] || {}) };
    return { accountId: id, async claims() { return claims; } };
  },
  claims: {
    openid: ['sub', 'amr'],  // amr: how the person signed in (below)
    email: ['email', 'email_verified'],
    profile: ['name'],
    // what an organisation maps: the former organisation and the groups that give roles
    organisation: ['legacy_org', 'groups'],
  },
  scopes: ['openid', 'email', 'profile', 'organisation'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['koers-test-only'] },
  ttl: { Session: 600, Interaction: 600, Grant: 600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
// How the person signed in (the ID token's `amr`, RFC 8176): the development login asks a password only; an
// account in OIDC_ACCOUNTS with "amr" (e.g. ["pwd", "mfa"]) signs in as if the provider had also asked a second
// factor. The provider's own login result carries it, so the provider puts it in the ID token as it would.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  const amr = result.login && (accounts[result.login.accountId] || {}).amr;
  return interactionFinished(req, res, amr ? { ...result, login: { ...result.login, amr } } : result, options);
};
provider.listen(port, '127.0.0.1', () => {
  console.log(`ready http://127.0.0.1:${port}`);
});
