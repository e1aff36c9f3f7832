// A minimal Pipedrive app written the way Pipedrive teaches, with its
// official Node client (the `pipedrive` package): OAuth through
// OAuth2Configuration, deals read through the v2 DealsApi. It knows
// nothing of appcert: it is configured with the two base URLs only (the
// OAuth host, and the API host the token answer names), and over HTTPS it
// trusts appcert's CA through NODE_EXTRA_CA_CERTS.
//
// Environment:
//   PORT                 where the app listens (127.0.0.1)
//   CLIENT_ID            the app's OAuth client ID
//   CLIENT_SECRET        the app's OAuth client secret (also signs extension tokens)
//   OAUTH_HOST           the OAuth base URL (https://oauth.pipedrive.com in production)
//   APP_URL              where the app is reached, for its redirect URI
//   FIXTURE_MISTAKE      "trust-query-user": the deliberate mistake (README.md)
'use strict';

const http = require('http');
const crypto = require('crypto');
const { OAuth2Configuration, Configuration, DealsApi } = require('pipedrive/v2');

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const PORT = Number(env('PORT'));
const CLIENT_ID = env('CLIENT_ID');
const CLIENT_SECRET = env('CLIENT_SECRET');
const OAUTH_HOST = env('OAUTH_HOST');
const REDIRECT_URI = env('APP_URL') + '/callback';
const MISTAKE = process.env.FIXTURE_MISTAKE || '';

// Installations by "<companyId>:<userId>": the client's OAuth state, and
// the latest sharing callback for it.
const installations = new Map();
const key = (companyId, userId) => `${companyId}:${userId}`;

function newOAuth() {
  return new OAuth2Configuration({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT_URI,
    host: OAUTH_HOST,
  });
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(type === 'application/json' ? JSON.stringify(body) : body);
}

function panelError(res, status, title, subtitle) {
  send(res, status, { error: { title, subtitle } });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let b = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { b += c; if (b.length > 65536) req.destroy(); });
    req.on('end', () => resolve(b));
    req.on('error', reject);
  });
}

// The marketplace redirects here with a code. Like Pipedrive's example
// apps, the app learns who installed it from the access token's shape,
// <companyId>:<userId>:<hash>.
async function oauthCallback(req, res, url) {
  if (url.searchParams.get('error') === 'user_denied') {
    return send(res, 200, 'Installation cancelled.', 'text/plain');
  }
  const code = url.searchParams.get('code');
  if (!code) return send(res, 400, 'No authorization code.', 'text/plain');
  const oauth2 = newOAuth();
  try {
    const token = await oauth2.authorize(code);
    const [companyId, userId] = token.access_token.split(':');
    const prev = installations.get(key(companyId, userId));
    installations.set(key(companyId, userId), { oauth2, shared: prev ? prev.shared : false });
    return send(res, 200, 'The app is installed. You can close this tab.', 'text/plain');
  } catch (e) {
    return send(res, 400, 'Installation failed; please try again from the marketplace.', 'text/plain');
  }
}

async function sharingCallback(req, res) {
  let s;
  try { s = JSON.parse(await readBody(req)); } catch (e) { s = null; }
  if (!s || s.company_id == null || s.user_id == null || typeof s.isShared !== 'boolean') {
    return send(res, 400, { error: 'expected company_id, user_id and isShared' });
  }
  const k = key(s.company_id, s.user_id);
  const inst = installations.get(k);
  if (inst) inst.shared = s.isShared;
  else installations.set(k, { oauth2: null, shared: s.isShared });
  res.writeHead(204);
  res.end();
}

function basicAuthIs(req, user, pass) {
  const h = req.headers.authorization || '';
  if (!h.startsWith('Basic ')) return false;
  const want = Buffer.from(`${user}:${pass}`);
  const got = Buffer.from(Buffer.from(h.slice(6), 'base64').toString('utf8'));
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

async function uninstall(req, res) {
  if (!basicAuthIs(req, CLIENT_ID, CLIENT_SECRET)) return send(res, 401, { error: 'unauthorized' });
  let u;
  try { u = JSON.parse(await readBody(req)); } catch (e) { u = null; }
  if (!u || u.company_id == null || u.user_id == null) return send(res, 400, { error: 'bad body' });
  installations.delete(key(u.company_id, u.user_id));
  res.writeHead(204);
  res.end();
}

// verifyJWT checks an HS256 token signed with the client secret and
// returns its claims, or null.
function verifyJWT(token) {
  const parts = (token || '').split('.');
  if (parts.length !== 3) return null;
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch (e) {
    return null;
  }
  if (header.alg !== 'HS256') return null;
  const want = crypto.createHmac('sha256', CLIENT_SECRET).update(`${parts[0]}.${parts[1]}`).digest();
  const got = Buffer.from(parts[2], 'base64url');
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return null;
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return null;
  return claims;
}

// viewer is who the request is from, as its token vouches.
function viewer(url) {
  const q = url.searchParams;
  const claims = verifyJWT(q.get('token'));
  if (!claims) return null;
  if (MISTAKE === 'trust-query-user') {
    // The mistake: the token is genuine, so the query is believed.
    return { companyId: q.get('companyId'), userId: q.get('userId') };
  }
  if (String(claims.userId) !== q.get('userId') || String(claims.companyId) !== q.get('companyId')) return null;
  return { companyId: String(claims.companyId), userId: String(claims.userId) };
}

// entitled returns the installation the viewer uses: their own, or, when
// the request says isShared=true, a shared installation of their company.
function entitled(v, isShared) {
  const own = installations.get(key(v.companyId, v.userId));
  if (own && own.oauth2) return { inst: own, owner: v.userId };
  if (isShared !== 'true') return null;
  const shared = [...installations.entries()]
    .filter(([k, i]) => k.startsWith(v.companyId + ':') && i.oauth2 && i.shared)
    .sort(([a], [b]) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
  return shared.length ? { inst: shared[0][1], owner: shared[0][0].split(':')[1] } : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// getDeal reads a deal through the v2 client; an expired token is
// refreshed once, a rate limit waited out once.
async function getDeal(oauth2, id) {
  for (let attempt = 0; ; attempt++) {
    const api = new DealsApi(new Configuration({ accessToken: oauth2.getAccessToken, basePath: oauth2.basePath }));
    try {
      const res = await api.getDeal({ id });
      return res.data;
    } catch (e) {
      const code = e && e.errorCode;
      if (code === 404) return null;
      if (attempt === 0 && code === 401) { await oauth2.tokenRefresh(); continue; }
      if (attempt === 0 && code === 429) { await sleep(2000); continue; }
      throw e;
    }
  }
}

async function panel(req, res, url) {
  const v = viewer(url);
  if (!v) return panelError(res, 401, 'Unauthorized', 'The request is not signed by Pipedrive');
  const q = url.searchParams;
  const e = entitled(v, q.get('isShared'));
  if (!e) return panelError(res, 403, 'App not available', 'Install the app to use it');
  const ids = (q.get('selectedIds') || '').split(',').filter(Boolean).map(Number).slice(0, 10);
  if (ids.some((n) => !Number.isInteger(n) || n <= 0)) return panelError(res, 400, 'Bad request', 'selectedIds');
  const data = [];
  try {
    for (const id of ids) {
      const d = await getDeal(e.inst.oauth2, id);
      if (!d) continue;
      // A shared viewer reads through the installer's token: keep back
      // what only its owner may see.
      if (e.owner !== v.userId && d.visible_to === 1 && String(d.owner_id) !== v.userId) continue;
      data.push({ id: d.id, header: d.title, value: { code: d.currency, value: d.value } });
    }
  } catch (err) {
    const code = err && err.errorCode;
    if (code === 401) return panelError(res, 401, 'Authorization expired', 'Reinstall the app');
    if (code === 403) return panelError(res, 403, 'Missing permissions', 'The app may not read this');
    return panelError(res, 503, 'Pipedrive unavailable', 'Try again later');
  }
  send(res, 200, { data });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://app');
  try {
    if (url.pathname === '/callback' && req.method === 'GET') return await oauthCallback(req, res, url);
    if (url.pathname === '/callback' && req.method === 'POST') return await sharingCallback(req, res);
    if (url.pathname === '/callback' && req.method === 'DELETE') return await uninstall(req, res);
    if (url.pathname === '/panel' && req.method === 'GET') return await panel(req, res, url);
    send(res, 404, { error: 'not found' });
  } catch (e) {
    send(res, 500, { error: 'internal error' });
  }
});
server.listen(PORT, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${PORT}`));
