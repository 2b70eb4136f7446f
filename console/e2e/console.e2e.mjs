// End-to-end test of the console in headless Debian Chromium driven by playwright-core, against a running federation.
// It signs in through the real Keycloak login page as each role and checks what each one sees. ConsoleIT
// (compliance-tests) runs it with node against the suite's federation; by hand:
//   CONSOLE_URL=http://127.0.0.1:<gateway port>/console/ FOREIGN_API=http://127.0.0.1:<us-east gateway port>/v1 \
//   DENY_DEVICE=<a lampco device homed in eu-central> CONSOLE_USERS='{"analyst":{"username":"lamp-analyst",...}}' \
//   node console/e2e/console.e2e.mjs
// Exit code 0 when every check passed; 1 with the failed check and a screenshot otherwise.
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`console e2e: the environment variable ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const CONSOLE_URL = env('CONSOLE_URL');
const FOREIGN_API = env('FOREIGN_API');
const DENY_DEVICE = env('DENY_DEVICE');
const USERS = JSON.parse(env('CONSOLE_USERS'));
const TENANT = env('TENANT', 'lampco');
const OTHER_TENANT = env('OTHER_TENANT', 'carehome');
const REGIONS = env('REGIONS', 'eu-central,af-south,us-east').split(',');
const HOME_REGION = env('HOME_REGION', 'eu-central');
const FOREIGN_REGION = env('FOREIGN_REGION', 'us-east');
const OUT = env('OUT_DIR', 'target/console');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const AUDIT_TIMEOUT = Number(env('AUDIT_TIMEOUT_MS', String(5 * 60 * 1000)));
// the whole run is bounded: a hung browser must not hang the build
const DEADLINE = Number(env('E2E_DEADLINE_MS', String(12 * 60 * 1000)));

// the flags of the machine's probe: without the background-networking ones Chromium keeps dialling hosts that this
// closed network refuses
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

mkdirSync(OUT, { recursive: true });
const started = Date.now();
const killer = setTimeout(() => {
  console.error(`console e2e: not finished within ${DEADLINE} ms`);
  process.exit(3);
}, DEADLINE);

let checks = 0;
function log(msg) {
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}`);
}
function check(ok, what) {
  if (!ok) {
    throw new Error('check failed: ' + what);
  }
  checks++;
  log('ok: ' + what);
}

async function withBrowser(role, fn) {
  const dir = mkdtempSync(join(tmpdir(), `console-e2e-${role}-`));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 },
  });
  const page = context.pages()[0] || await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') {
      consoleErrors.push(m.text());
    }
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  try {
    await fn(page, context);
  } catch (e) {
    await page.screenshot({ path: join(OUT, `failure-${role}.png`), fullPage: true }).catch(() => {});
    console.error(`console e2e: ${role}: ${e.stack || e}`);
    if (consoleErrors.length) {
      console.error(`browser console errors of ${role}:\n  ${consoleErrors.join('\n  ')}`);
    }
    throw e;
  } finally {
    await context.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Opens the console and signs in through the realm's own login page. */
async function signIn(page, user) {
  await page.goto(CONSOLE_URL);
  await page.getByTestId('sign-in').click();
  // Keycloak's login page, served by Keycloak: the console never sees the password
  await page.waitForSelector('#username', { timeout: 30000 });
  const { issuer } = await (await fetch(new URL('config.json', CONSOLE_URL))).json();
  check(page.url().startsWith(issuer + '/'), `${user.username}: the login page is the issuer's (${issuer})`);
  await page.fill('#username', user.username);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(CONSOLE_URL), { timeout: 30000 }), page.click('#kc-login')]);
  await page.getByTestId('signed-in-user').filter({ hasText: user.username }).waitFor({ timeout: 30000 });
  check(!page.url().includes('code='), `${user.username}: signed in, the code is gone from the address bar`);
}

async function accessToken(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('meridian-console.tokens')).accessToken);
}

async function number(page, testid) {
  const t = (await page.getByTestId(testid).textContent()) || '';
  const v = Number(t.trim());
  return Number.isFinite(v) ? v : NaN;
}

/** Waits until every region's marker is drawn; with positive numbers when asked. */
async function regionsShown(page, who, positive) {
  for (const r of REGIONS) {
    await page.getByTestId(`region-${r}`).waitFor({ timeout: 30000 });
  }
  if (positive) {
    const until = Date.now() + 90000;
    let seen = {};
    for (;;) {
      seen = {};
      for (const r of REGIONS) {
        seen[r] = { connected: await number(page, `region-${r}-connected`), registered: await number(page, `region-${r}-registered`) };
      }
      if (Object.values(seen).every((s) => s.connected > 0 && s.registered > 0) || Date.now() > until) {
        break;
      }
      await page.waitForTimeout(1000);
    }
    check(Object.values(seen).every((s) => s.connected > 0 && s.registered > 0),
      `${who}: the map shows ${REGIONS.join(', ')} with devices connected and registered: ${JSON.stringify(seen)}`);
  } else {
    check(true, `${who}: the map shows a marker for each of ${REGIONS.join(', ')}`);
  }
}

async function denyCount(page) {
  const arc = page.getByTestId(`arc-${HOME_REGION}-${FOREIGN_REGION}`);
  if ((await arc.count()) === 0) {
    return 0;
  }
  return Number(await arc.getAttribute('data-deny'));
}

async function analyst(page, user) {
  await signIn(page, user);
  await regionsShown(page, user.username, false);
  check(await page.getByTestId('nav-audit').isHidden(), `${user.username}: no audit view`);
  await page.evaluate(() => {
    window.__sameDocument = 'yes';
  });

  // a raw read of a device homed in eu-central through the us-east gateway: 451, and the DENY arc appears live
  const before = await denyCount(page);
  const token = await accessToken(page);
  const raw = await fetch(`${FOREIGN_API}/tenants/${TENANT}/devices/${encodeURIComponent(DENY_DEVICE)}/telemetry?limit=1`, {
    headers: { Authorization: 'Bearer ' + token },
  });
  check(raw.status === 451, `${user.username}: a raw read through ${FOREIGN_REGION}'s gateway of a device homed in ${HOME_REGION} is 451 (was ${raw.status})`);
  await page.waitForFunction(([testid, n]) => {
    const a = document.querySelector(`[data-testid="${testid}"]`);
    return a && Number(a.getAttribute('data-deny')) > n;
  }, [`arc-${HOME_REGION}-${FOREIGN_REGION}`, before], { timeout: 60000 });
  const after = await denyCount(page);
  check(after > before && (await page.evaluate(() => window.__sameDocument)) === 'yes',
    `${user.username}: the DENY arc ${HOME_REGION} -> ${FOREIGN_REGION} went from ${before} to ${after} denials without a reload`);
  await page.screenshot({ path: join(OUT, `map-${user.username}.png`), fullPage: true });

  // the arc's records, opened from the keyboard: only this tenant's rows
  await page.getByTestId(`arc-${HOME_REGION}-${FOREIGN_REGION}`).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('arc-decisions').waitFor({ timeout: 30000 });
  const tenants = await page.$$eval('[data-testid="arc-decisions"] tbody tr td:nth-child(3), [data-testid="arc-ledger"] tbody tr td:nth-child(2)',
    (tds) => tds.map((td) => td.textContent));
  const outcomes = await page.$$eval('[data-testid="arc-decisions"] tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
  check(tenants.length > 0 && tenants.every((t) => t === TENANT), `${user.username}: the arc's decisions and ledger entries are all ${TENANT}'s (${tenants.length} rows)`);
  check(outcomes.includes('DENY'), `${user.username}: the arc's decisions include the DENY`);
  const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
  check(focused === 'arc-detail-title', `${user.username}: Enter on the focused arc moved focus to its records panel`);
  await page.screenshot({ path: join(OUT, `arc-detail-${user.username}.png`), fullPage: true });
  await page.keyboard.press('Escape');

  // the tenant view: their own tenant, nothing of another
  await page.getByTestId('nav-tenant').click();
  await page.getByTestId('tenant-name').filter({ hasText: TENANT }).waitFor({ timeout: 30000 });
  check(await page.getByTestId('tenant-input').isHidden(), `${user.username}: no tenant picker`);
  const text = await page.evaluate(() => document.body.innerText);
  check(!text.includes(OTHER_TENANT), `${user.username}: the console shows nothing of ${OTHER_TENANT}`);
  await page.screenshot({ path: join(OUT, `tenant-${user.username}.png`), fullPage: true });

  // the API itself refuses the other tenant to this token: the console hides nothing the API would serve
  const status = await page.evaluate(async ([t, other]) => (await fetch(`/v1/tenants/${other}/overview`, {
    headers: { Authorization: 'Bearer ' + t },
  })).status, [token, OTHER_TENANT]);
  check(status === 403, `${user.username}: ${OTHER_TENANT}'s overview with this token is 403 (was ${status})`);
}

async function admin(page, user) {
  await signIn(page, user);
  await regionsShown(page, user.username, false);
  check(await page.getByTestId('nav-audit').isHidden(), `${user.username}: no audit view`);
  await page.getByTestId('nav-tenant').click();
  await page.getByTestId('tenant-name').filter({ hasText: TENANT }).waitFor({ timeout: 30000 });
  check(true, `${user.username}: the tenant view shows ${TENANT}`);
  await page.screenshot({ path: join(OUT, `tenant-${user.username}.png`), fullPage: true });
}

async function auditor(page, user, context) {
  await signIn(page, user);
  await regionsShown(page, user.username, true);
  await page.waitForTimeout(5500); // one transfers event, so the arcs of the last hour are drawn
  await page.screenshot({ path: join(OUT, `map-${user.username}.png`), fullPage: true });

  // the keyboard path: from the top of the page, Tab reaches the views, the period, every region marker, every arc and
  // the text tables' buttons, in that order; each marker and arc has a label for screen readers
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  await page.locator('body').focus();
  const path = [];
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    path.push(await page.evaluate(() => {
      const e = document.activeElement;
      return e ? e.getAttribute('data-testid') || e.id || e.tagName : null;
    }));
  }
  const arcs = await page.$$eval('g[data-testid^="arc-"]', (els) => els.map((e) => e.dataset.testid));
  const wanted = ['nav-map', 'nav-tenant', 'nav-audit', 'period', ...REGIONS.map((r) => `region-${r}`), ...arcs,
    ...arcs.map((a) => a.replace(/^arc-/, 'records-'))];
  const positions = wanted.map((w) => path.indexOf(w));
  check(positions.every((p) => p >= 0), `${user.username}: Tab reaches ${wanted.join(', ')} (path: ${path.join(' > ')})`);
  check(positions.slice(0, 4).every((p, i, a) => i === 0 || p > a[i - 1]) && Math.max(...positions.slice(0, 4)) < Math.min(...positions.slice(4)),
    `${user.username}: the views and the period come before the map on the keyboard path`);
  const unlabelled = await page.$$eval('g[data-testid^="region-"], g[data-testid^="arc-"]',
    (els) => els.filter((e) => !(e.getAttribute('aria-label') || '').trim()).map((e) => e.dataset.testid));
  check(unlabelled.length === 0, `${user.username}: every marker and arc has an aria-label (${unlabelled.join(', ') || 'none missing'})`);

  // any tenant, read-only
  await page.getByTestId('nav-tenant').click();
  await page.getByTestId('tenant-input').fill(OTHER_TENANT);
  await page.getByTestId('tenant-input').press('Enter');
  await page.getByTestId('tenant-name').filter({ hasText: OTHER_TENANT }).waitFor({ timeout: 30000 });
  check(true, `${user.username}: the tenant view shows ${OTHER_TENANT} on request`);

  // an audit: started, watched, finished with a verdict, listed
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-runs').waitFor();
  const before = new Set(await page.$$eval('[data-testid^="audit-run-"]', (rows) => rows.map((r) => r.dataset.testid)));
  await page.getByTestId('audit-run').click();
  const row = await page.waitForFunction((seen) => {
    const rows = [...document.querySelectorAll('tr[data-testid^="audit-run-"]')].filter((r) => !seen.includes(r.dataset.testid));
    return rows.length === 1 ? rows[0].dataset.testid : null;
  }, [...before], { timeout: 30000 });
  const runRow = await row.jsonValue();
  const runId = runRow.slice('audit-run-'.length);
  log(`audit run ${runId} started`);
  const progress = await page.getByTestId('audit-progress').textContent();
  await page.waitForFunction((id) => {
    const r = document.querySelector(`tr[data-testid="${id}"]`);
    return r && r.dataset.status !== 'RUNNING';
  }, runRow, { timeout: AUDIT_TIMEOUT, polling: 500 });
  const status = await page.getByTestId(runRow).getAttribute('data-status');
  const verdict = ((await page.getByTestId(`audit-verdict-${runId}`).textContent()) || '').trim();
  check(status === 'DONE' && ['PASS', 'FAIL', 'INCOMPLETE'].includes(verdict),
    `${user.username}: the audit finished (${status}) with the verdict ${verdict}; progress was shown ("${progress}")`);
  await page.screenshot({ path: join(OUT, `audit-${user.username}.png`), fullPage: true });

  // it stays among the past runs when the list is read again
  await page.getByTestId('nav-map').click();
  await page.getByTestId('nav-audit').click();
  await page.getByTestId(runRow).waitFor({ timeout: 30000 });
  check((await page.getByTestId(`audit-verdict-${runId}`).textContent()).trim() === verdict, `${user.username}: the run is listed among the past runs with its verdict`);

  // the HTML report, fetched with the token and opened as a blob URL
  const [report] = await Promise.all([context.waitForEvent('page', { timeout: 30000 }), page.getByTestId(`audit-report-${runId}`).click()]);
  await report.waitForLoadState();
  const reportText = await report.evaluate(() => document.body.innerText);
  check(report.url().startsWith('blob:') && reportText.includes(verdict), `${user.username}: the report opens (${report.url().slice(0, 20)}…) and states ${verdict}`);
  await report.screenshot({ path: join(OUT, `report-${user.username}.png`), fullPage: true });
}

const roles = [['analyst', analyst], ['admin', admin], ['auditor', auditor]];
let failed = 0;
for (const [key, fn] of roles) {
  const user = USERS[key];
  if (!user) {
    console.error(`console e2e: CONSOLE_USERS names no ${key}`);
    process.exit(2);
  }
  try {
    await withBrowser(user.username, (page, context) => fn(page, user, context));
  } catch {
    failed++;
  }
}
clearTimeout(killer);
console.log(`console e2e: ${checks} checks passed; ${failed} of ${roles.length} roles failed`);
process.exit(failed === 0 ? 0 : 1);
