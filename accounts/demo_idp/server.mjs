// A local OpenID provider for development and tests, built on the certified
// `oidc-provider` package: PKCE required, RP-initiated and back-channel logout.
// Its sign-in page lists the demo users as buttons.
//
// Configuration (environment):
//   PORT (8010), ISSUER (http://127.0.0.1:PORT), USERS_FILE (users.json beside this file),
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS, POST_LOGOUT_REDIRECT_URIS (comma-separated),
//   BACKCHANNEL_LOGOUT_URI (optional), JWKS (optional: the private signing keys, as a JWKS;
//   by default the provider makes its own at each start)
import http from "node:http";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import Provider from "oidc-provider";

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 8010);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;
const usersFile = process.env.USERS_FILE ?? path.join(here, "users.json");
const site = process.env.SITE_URL ?? "http://127.0.0.1:8000";
const list = (value, fallback) => (value ?? fallback).split(",").map((s) => s.trim()).filter(Boolean);

const users = JSON.parse(readFileSync(usersFile, "utf8"));
const bySub = new Map(users.map((user) => [user.sub, user]));
const scopeClaims = ["sub", "municipality", "organization", "groups", "realm_access", "roles"];

const client = {
  client_id: process.env.CLIENT_ID ?? "open-cities-platform",
  client_secret: process.env.CLIENT_SECRET ?? "demo-client-secret",
  redirect_uris: list(process.env.REDIRECT_URIS, `${site}/accounts/oidc/iam/login/callback/`),
  post_logout_redirect_uris: list(process.env.POST_LOGOUT_REDIRECT_URIS, `${site}/`),
  grant_types: ["authorization_code", "refresh_token"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_post",
};
if (process.env.BACKCHANNEL_LOGOUT_URI) {
  client.backchannel_logout_uri = process.env.BACKCHANNEL_LOGOUT_URI;
  client.backchannel_logout_session_required = true;
}

const escape = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
button{font:inherit;padding:.5rem 1rem;margin:.25rem 0;border:2px solid #0b4f8a;background:#0b4f8a;color:#fff;border-radius:4px;cursor:pointer;width:100%;text-align:left}
.secondary{background:#fff;color:#0b4f8a}</style></head><body>${body}</body></html>`;

const provider = new Provider(issuer, {
  clients: [client],
  ...(process.env.JWKS ? { jwks: JSON.parse(process.env.JWKS) } : {}),
  pkce: { required: () => true },
  cookies: { keys: ["open-cities-demo-idp-cookie-key"] },
  claims: {
    openid: scopeClaims,
    profile: ["name", "given_name", "family_name", "preferred_username", "locale"],
    email: ["email", "email_verified"],
  },
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page("Sign out", `<h1>Sign out of the Open Cities demo IAM?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button class="secondary" type="submit" form="op.logoutForm">No, stay signed in</button>`);
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The platform and this provider both run on loopback addresses, which the
  // provider's SSRF protection refuses by default for back-channel calls.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
  async findAccount(ctx, sub) {
    const user = bySub.get(sub);
    if (!user) return undefined;
    return { accountId: sub, claims: async () => ({ sub, ...user.claims }) };
  },
  // First-party client: no consent screen.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid profile email");
    grant.addOIDCClaims(scopeClaims);
    await grant.save();
    return grant;
  },
  ttl: { Session: 8 * 3600, Interaction: 3600, Grant: 8 * 3600, AccessToken: 3600, IdToken: 3600,
    AuthorizationCode: 60, RefreshToken: 8 * 3600 },
  async renderError(ctx, out) {
    ctx.type = "html";
    ctx.body = page("Error", `<h1>Sign-in error</h1><p>${escape(out.error)}: ${escape(out.error_description ?? "")}</p>`);
  },
});
// Behind a TLS-terminating proxy (the production smoke test), take the scheme
// from X-Forwarded-Proto so that discovery names https endpoints.
if (process.env.PROXY_TRUSTED === "1") provider.proxy = true;
provider.on("server_error", (ctx, error) => console.error("server_error", error));
provider.on("backchannel.error", (ctx, error, client, accountId, sid) => {
  console.error(`back-channel logout to ${client.clientId} failed: ${error.message} ${error.cause ?? ""}`);
});
provider.on("backchannel.success", (ctx, client, accountId, sid) => {
  console.log(`back-channel logout sent to ${client.clientId} for ${accountId} (sid ${sid})`);
});

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "POST" && action === "login") {
    const form = await readForm(req);
    const sub = form.get("sub");
    if (!bySub.has(sub)) {
      res.writeHead(400, { "content-type": "text/html" });
      res.end(page("Unknown user", "<h1>Unknown user</h1>"));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: sub } }, { mergeWithLastSubmission: false });
    return;
  }
  const buttons = users.map((user) => `<button type="submit" name="sub" value="${escape(user.sub)}">${escape(user.label ?? user.claims.name)}</button>`).join("\n");
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(page("Sign in", `<h1>Open Cities demo IAM</h1><p>Choose a demo user to sign in as.</p>
<form method="post" action="/interaction/${escape(uid)}/login">${buttons}</form>`));
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = req.url.match(/^\/interaction\/([\w-]+)(?:\/(login))?/);
  if (match) {
    try {
      await interaction(req, res, match[1], match[2]);
    } catch (error) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(`Interaction failed: ${error.message}`);
    }
    return;
  }
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  callback(req, res);
});
server.listen(port, "127.0.0.1", () => console.log(`Demo OpenID provider on ${issuer}`));
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.close(() => process.exit(0)));
