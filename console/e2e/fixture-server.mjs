// A local preview of the console without a federation: serves the built front end (npm run build) and answers the
// console's API calls, the issuer's endpoints and its login form with fixtures, so the UI and console.e2e.mjs can be
// worked on without the gateway. Development only; nothing of it is in the jar, and ConsoleIT runs against the real
// federation and Keycloak. Usage: node e2e/fixture-server.mjs [port]   (then open http://127.0.0.1:<port>/console/)
import { createServer } from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.argv[2] || 5180);
const ROOT = fileURLToPath(new URL('../target/classes/META-INF/meridian-console/', import.meta.url));
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ISSUER = `${ORIGIN}/realms/meridian`;
const USERS = {
  'lamp-analyst': { roles: ['customer-analyst'], tenant: 'lampco' },
  'lamp-admin': { roles: ['customer-admin'], tenant: 'lampco' },
  auditor: { roles: ['compliance-officer'] },
};
const REGIONS = [
  { id: 'eu-central', name: 'EU Central', jurisdiction: 'EU', status: 'UP', city: 'Frankfurt', country: 'DE', coordinates: { latitude: 50.11, longitude: 8.68 } },
  { id: 'af-south', name: 'Africa South', jurisdiction: 'ZA', status: 'UP', city: 'Cape Town', country: 'ZA', coordinates: { latitude: -33.92, longitude: 18.42 } },
  { id: 'us-east', name: 'US East', jurisdiction: 'US', status: 'UP', city: 'Ashburn', country: 'US', coordinates: { latitude: 39.04, longitude: -77.49 } },
  // in the directory but not running, as in the suite: the map shows it UNAVAILABLE
  { id: 'uk-south', name: 'London (UK South)', jurisdiction: 'GB', status: 'DOWN', city: 'London', country: 'GB', coordinates: { latitude: 51.51, longitude: -0.13 } },
];
const arcs = [
  { from: 'eu-central', to: 'us-east', allow: 12, partial: 3, deny: 0, suppressedCells: 7, tenant: 'lampco' },
  { from: 'af-south', to: 'eu-central', allow: 4, partial: 0, deny: 0, suppressedCells: 0, tenant: 'lampco' },
  { from: 'us-east', to: 'eu-central', allow: 2, partial: 0, deny: 1, suppressedCells: 0, tenant: 'carehome' },
];
const runs = [];
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

function token(username) {
  const u = USERS[username];
  return `${b64({ alg: 'none' })}.${b64({ preferred_username: username, realm_access: { roles: u.roles }, tenant: u.tenant, exp: Date.now() / 1000 + 300 })}.x`;
}

function caller(req) {
  const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
  if (!m) {
    return null;
  }
  return JSON.parse(Buffer.from(m[1].split('.')[1], 'base64url').toString());
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Access-Control-Allow-Headers': '*' });
  res.end(typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

const tenantOf = (c) => (c.realm_access.roles.includes('compliance-officer') ? null : c.tenant);
const visibleArcs = (c) => {
  const t = tenantOf(c);
  const byPair = new Map();
  for (const a of arcs.filter((x) => !t || x.tenant === t)) {
    const k = a.from + '>' + a.to;
    const s = byPair.get(k) || { from: a.from, to: a.to, allow: 0, partial: 0, deny: 0, suppressedCells: 0 };
    for (const f of ['allow', 'partial', 'deny', 'suppressedCells']) {
      s[f] += a[f];
    }
    byPair.set(k, s);
  }
  return [...byPair.values()];
};
const status = (c) => ({
  at: new Date().toISOString(), scope: { tenant: tenantOf(c) },
  regions: REGIONS.filter((r) => r.id !== 'uk-south').map((r, i) => ({ id: r.id, jurisdiction: r.jurisdiction, health: 'UP', devicesRegistered: 10 + i, devicesConnected: 5 + i, ingestPerSecond: 3.5 + Math.random() })),
});

createServer((req, res) => {
  const url = new URL(req.url, ORIGIN);
  const p = url.pathname;
  if (req.method === 'OPTIONS') {
    return send(res, 204, '');
  }
  if (p === `/realms/meridian/.well-known/openid-configuration`) {
    return send(res, 200, { authorization_endpoint: `${ISSUER}/auth`, token_endpoint: `${ISSUER}/token`, end_session_endpoint: `${ISSUER}/logout` });
  }
  if (p === '/realms/meridian/auth') {
    const q = url.searchParams;
    return send(res, 200, `<!doctype html><form method="get" action="/realms/meridian/login"><input type="hidden" name="redirect_uri" value="${q.get('redirect_uri')}">
      <input type="hidden" name="state" value="${q.get('state')}"><label>User <input id="username" name="username"></label>
      <label>Password <input id="password" type="password" name="password"></label><button id="kc-login">Sign in</button></form>`, 'text/html');
  }
  if (p === '/realms/meridian/login') {
    const q = url.searchParams;
    res.writeHead(302, { Location: `${q.get('redirect_uri')}?state=${q.get('state')}&code=${q.get('username')}` });
    return res.end();
  }
  if (p === '/realms/meridian/token') {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const f = new URLSearchParams(body);
      const user = f.get('grant_type') === 'refresh_token' ? f.get('refresh_token') : f.get('code');
      send(res, 200, { access_token: token(user), refresh_token: user, expires_in: 300 });
    });
    return undefined;
  }
  if (p === '/console') {
    res.writeHead(302, { Location: '/console/' });
    return res.end();
  }
  if (p === '/console/config.json') {
    return send(res, 200, { issuer: ISSUER, clientId: 'meridian-console', gateway: { region: 'eu-central', jurisdiction: 'EU' } });
  }
  if (p.startsWith('/console/')) {
    const file = normalize(join(ROOT, p.slice('/console/'.length) || 'index.html'));
    if (!file.startsWith(ROOT) || !existsSync(file)) {
      return send(res, 404, { status: 404, title: 'Not Found' });
    }
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    return send(res, 200, readFileSync(file), types[extname(file)] || 'application/octet-stream');
  }
  const c = caller(req);
  if (!c) {
    return send(res, 401, { status: 401, title: 'Unauthorized' });
  }
  if (p === '/v1/regions') {
    return send(res, 200, { gateway: { region: 'eu-central', jurisdiction: 'EU' }, 'fetched-at': new Date().toISOString(), regions: REGIONS });
  }
  if (p === '/v1/federation/status') {
    return send(res, 200, status(c));
  }
  if (p === '/v1/transfers') {
    return send(res, 200, { from: url.searchParams.get('from'), to: url.searchParams.get('to'), scope: { tenant: tenantOf(c) }, arcs: visibleArcs(c), unavailableRegions: [] });
  }
  let m = /^\/v1\/transfers\/([^/]+)\/([^/]+)$/.exec(p);
  if (m) {
    const t = tenantOf(c) || 'lampco';
    const a = visibleArcs(c).find((x) => x.from === m[1] && x.to === m[2]) || { deny: 0 };
    const decisions = [];
    for (let i = 0; i < a.deny; i++) {
      decisions.push({ decisionId: 'd' + i, sequence: 100 + i, at: new Date().toISOString(), outcome: 'DENY', tenant: t, rule: 'R1', suppressedCells: 0, payloadHash: 'ab'.repeat(32) });
    }
    decisions.push({ decisionId: 'p', sequence: 7, at: new Date().toISOString(), outcome: 'PARTIAL', tenant: t, rule: 'A4', suppressedCells: 1, payloadHash: 'cd'.repeat(32) });
    return send(res, 200, { from: m[1], to: m[2], decisions,
      ledger: [{ chain: 'eu-central', position: 3, at: new Date().toISOString(), sourceRegion: m[1], sourceDecisionId: 'p', payloadHash: 'cd'.repeat(32), tenant: t }] });
  }
  m = /^\/v1\/tenants\/([^/]+)\/overview$/.exec(p);
  if (m) {
    if (tenantOf(c) && tenantOf(c) !== m[1]) {
      return send(res, 403, { status: 403, title: 'Forbidden', detail: `not a user of ${m[1]}` }, 'application/problem+json');
    }
    return send(res, 200, { tenant: m[1], allocation: { policy: 'PROXIMITY' }, export: { 'allowed-destinations': ['US', 'ZA'], 'min-window': 'PT1H' },
      devicesByRegion: REGIONS.map((r) => ({ region: r.id, devicesRegistered: 4, devicesConnected: 2 })) });
  }
  // the "foreign gateway" of the fixture: a raw read is refused and logged as a DENY eu-central -> us-east
  if (/^\/v1\/tenants\/[^/]+\/devices\/[^/]+\/telemetry$/.test(p)) {
    arcs.push({ from: 'eu-central', to: 'us-east', allow: 0, partial: 0, deny: 1, suppressedCells: 0, tenant: c.tenant || 'lampco' });
    return send(res, 451, { status: 451, title: 'Unavailable For Legal Reasons', rule: 'R1' }, 'application/problem+json');
  }
  if (!c.realm_access.roles.includes('compliance-officer') && p.startsWith('/v1/audit')) {
    return send(res, 403, { status: 403, title: 'Forbidden' }, 'application/problem+json');
  }
  if (p === '/v1/audit/runs' && req.method === 'POST') {
    const run = { runId: crypto.randomUUID(), status: 'RUNNING', progress: { step: 'logs', done: 0, total: 6 }, scope: { regions: REGIONS.map((r) => r.id) }, startedAt: new Date().toISOString(), verdict: null };
    runs.unshift(run);
    let k = 0;
    const t = setInterval(() => {
      run.progress.done = ++k;
      if (k === 6) {
        Object.assign(run, { status: 'DONE', verdict: 'PASS', finishedAt: new Date().toISOString() });
        clearInterval(t);
      }
    }, 700);
    return send(res, 202, run);
  }
  if (p === '/v1/audit/runs') {
    return send(res, 200, { runs });
  }
  m = /^\/v1\/audit\/runs\/([^/]+)(\/report\.html)?$/.exec(p);
  if (m) {
    const run = runs.find((r) => r.runId === m[1]);
    return m[2] ? send(res, 200, `<!doctype html><h1>Residency audit: ${run.verdict}</h1>`, 'text/html') : send(res, 200, run);
  }
  if (p === '/v1/events') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    const sent = new Map();
    const tick = () => {
      res.write(`event: status\ndata: ${JSON.stringify(status(c))}\n\n`);
      res.write(`event: transfers\ndata: ${JSON.stringify({ arcs: visibleArcs(c), unavailableRegions: [] })}\n\n`);
      if (c.realm_access.roles.includes('compliance-officer')) {
        for (const r of runs) {
          const j = JSON.stringify(r);
          if (sent.get(r.runId) !== j) {
            sent.set(r.runId, j);
            res.write(`event: audit-run\ndata: ${j}\n\n`);
          }
        }
      }
    };
    tick();
    const t = setInterval(tick, 1000);
    req.on('close', () => clearInterval(t));
    return undefined;
  }
  return send(res, 404, { status: 404, title: 'Not Found' }, 'application/problem+json');
}).listen(PORT, '127.0.0.1', () => console.log(`fixture console on ${ORIGIN}/console/`));
