// The console's page: signs in, then shows the map, the tenant and (for compliance officers) the audit, live from the
// gateway's event stream. Every number comes from the gateway's ordinary API with the user's own token.
import './style.css';
import { Api, ApiError } from './api.js';
import { Auth } from './auth.js';
import { createMap, drawArcs, drawMarkers } from './map.js';
import { displayName, viewsFor } from './roles.js';
import { PERIODS, arcLabel, drawableArcs, mergeStatus, outcomeMix, periodRange, showCount, transferTotals } from './summary.js';

const $ = (id) => document.getElementById(id);

const state = {
  regions: [], // the directory, with coordinates, merged with the latest status
  status: null,
  transfers: null,
  period: 'PT1H',
  openArc: null,
  runs: new Map(),
  view: 'map',
  tenant: null,
};

let api;
let map;

function showError(message) {
  const p = document.createElement('p');
  p.textContent = message;
  $('errors').replaceChildren(p);
}

function clearError() {
  $('errors').replaceChildren();
}

function cell(text, attrs = {}) {
  const td = document.createElement('td');
  td.textContent = text;
  for (const [k, v] of Object.entries(attrs)) {
    td.setAttribute(k, v);
  }
  return td;
}

function row(cells) {
  const tr = document.createElement('tr');
  tr.append(...cells);
  return tr;
}

/**
 * Runs a redraw and puts the keyboard focus back on the element with the same test id: the live events redraw the
 * markers every 2 s and the arcs every 5 s, which must not throw a keyboard user's focus back to the page's start.
 */
function keepingFocus(redraw) {
  const key = document.activeElement && document.activeElement.getAttribute('data-testid');
  redraw();
  if (key && !(document.activeElement && document.activeElement.getAttribute('data-testid') === key)) {
    const again = document.querySelector(`[data-testid="${CSS.escape(key)}"]`);
    if (again) {
      again.focus();
    }
  }
}

let drawnRegions = '';
let drawnTransfers = '';

function regionName(id) {
  const r = state.regions.find((x) => x.id === id);
  return r ? r.name || r.id : id;
}

// ---- map view

function renderRegions() {
  const now = JSON.stringify(state.regions);
  if (now === drawnRegions) {
    return;
  }
  drawnRegions = now;
  keepingFocus(() => drawRegions());
}

function drawRegions() {
  drawMarkers(map, state.regions);
  $('regions-body').replaceChildren(...state.regions.map((r) => {
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = r.name || r.id;
    return row([th, cell(r.jurisdiction || ''), cell([r.city, r.country].filter(Boolean).join(', ')), cell(r.health || ''),
      cell(showCount(r.devicesConnected), { 'data-testid': `table-${r.id}-connected` }),
      cell(showCount(r.devicesRegistered), { 'data-testid': `table-${r.id}-registered` }),
      cell(showCount(r.ingestPerSecond, 1), { 'data-testid': `table-${r.id}-ingest` })]);
  }));
}

function renderTransfers() {
  const now = JSON.stringify([state.period, state.transfers && state.transfers.arcs, state.transfers && state.transfers.unavailableRegions, state.regions.map((r) => r.id)]);
  if (now === drawnTransfers) {
    return;
  }
  drawnTransfers = now;
  keepingFocus(() => drawTransfers());
}

function drawTransfers() {
  const t = state.transfers || { arcs: [], unavailableRegions: [] };
  const arcs = drawableArcs(t.arcs, state.regions.map((r) => r.id));
  drawArcs(map, arcs, state.regions, openArc);
  const tot = transferTotals(arcs);
  const period = PERIODS.find((p) => p.id === state.period).label.toLowerCase();
  $('transfer-totals').textContent = `${arcs.length} arcs in the ${period}: ${tot.allow} allowed, ${tot.partial} partial, `
    + `${tot.deny} denied, ${tot.suppressedCells} suppressed cells.`;
  $('transfers-body').replaceChildren(...arcs.map((a) => {
    const m = outcomeMix(a);
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Records';
    b.setAttribute('aria-label', 'Records of ' + arcLabel(a, regionName));
    b.setAttribute('data-testid', `records-${a.from}-${a.to}`);
    b.addEventListener('click', () => openArc(a, b));
    const tdb = document.createElement('td');
    tdb.append(b);
    return row([cell(regionName(a.from)), cell(regionName(a.to)), cell(String(m.allow)), cell(String(m.partial)),
      cell(String(m.deny), { 'data-testid': `table-arc-${a.from}-${a.to}-deny` }), cell(String(m.suppressedCells)), tdb]);
  }));
  const un = t.unavailableRegions || [];
  $('transfers-unavailable').textContent = un.length ? `Not answering, so not counted: ${un.join(', ')}.` : '';
}

async function loadTransfers() {
  const { from, to } = periodRange(state.period);
  try {
    state.transfers = await api.transfers(from, to);
    renderTransfers();
  } catch (e) {
    showError('Transfers could not be read: ' + e.message);
  }
}

let returnFocus = null;

async function openArc(arc, opener) {
  // by test id: the opener itself may have been redrawn by the time the panel closes
  returnFocus = (opener && opener.getAttribute('data-testid')) || `arc-${arc.from}-${arc.to}`;
  state.openArc = arc;
  const panel = $('arc-detail');
  panel.hidden = false;
  $('arc-detail-title').textContent = `${regionName(arc.from)} → ${regionName(arc.to)}`;
  $('arc-detail-body').textContent = 'Loading…';
  $('arc-detail-title').focus();
  const { from, to } = periodRange(state.period);
  try {
    const d = await api.transferDetail(arc.from, arc.to, from, to);
    renderDetail(d);
  } catch (e) {
    $('arc-detail-body').textContent = 'The records could not be read: ' + e.message;
  }
}

function table(caption, headers, rows, testid) {
  const t = document.createElement('table');
  t.setAttribute('data-testid', testid);
  const c = document.createElement('caption');
  c.textContent = caption;
  const thead = document.createElement('thead');
  thead.append(row(headers.map((h) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    return th;
  })));
  const tb = document.createElement('tbody');
  tb.append(...rows.map((r) => row(r.map((v) => cell(v === null || v === undefined ? '' : String(v))))));
  t.append(c, thead, tb);
  return t;
}

function renderDetail(d) {
  const short = (h) => (h ? String(h).slice(0, 12) + '…' : '');
  const time = (t) => (t ? String(t).replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');
  const decisions = table(`Decisions in ${regionName(d.from)}'s log for ${regionName(d.to)} (${d.decisions.length})`,
    ['At', 'Outcome', 'Tenant', 'Rule', 'Suppressed cells', 'Sequence', 'Payload hash'],
    d.decisions.map((x) => [time(x.at), x.outcome, x.tenant, x.rule, x.suppressedCells, x.sequence, short(x.payloadHash)]), 'arc-decisions');
  const ledger = table(`Ledger entries of ${regionName(d.to)}'s gateway from ${regionName(d.from)} (${d.ledger.length})`,
    ['At', 'Tenant', 'Chain', 'Position', 'Source decision', 'Payload hash'],
    d.ledger.map((x) => [time(x.at), x.tenant, x.chain, x.position, x.sourceDecisionId, short(x.payloadHash)]), 'arc-ledger');
  $('arc-detail-body').replaceChildren(decisions, ledger);
}

function closeDetail() {
  $('arc-detail').hidden = true;
  state.openArc = null;
  const back = returnFocus && document.querySelector(`[data-testid="${CSS.escape(returnFocus)}"]`);
  if (back) {
    back.focus();
  }
}

// ---- tenant view

function describe(value) {
  if (value === null || value === undefined) {
    const s = document.createElement('span');
    s.textContent = 'none';
    return s;
  }
  if (typeof value !== 'object') {
    const s = document.createElement('span');
    s.textContent = String(value);
    return s;
  }
  if (Array.isArray(value)) {
    const s = document.createElement('span');
    s.textContent = value.length ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ') : 'none';
    return s;
  }
  const dl = document.createElement('dl');
  for (const [k, v] of Object.entries(value)) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.append(describe(v));
    dl.append(dt, dd);
  }
  return dl;
}

async function loadTenant(tenant) {
  const body = $('tenant-body');
  if (!tenant) {
    body.textContent = 'Choose a tenant.';
    return;
  }
  state.tenant = tenant;
  body.textContent = 'Loading…';
  try {
    const o = await api.tenantOverview(tenant);
    const h = document.createElement('h3');
    h.textContent = `Tenant ${o.tenant}`;
    h.setAttribute('data-testid', 'tenant-name');
    const a = document.createElement('h4');
    a.textContent = 'Allocation policy';
    const e = document.createElement('h4');
    e.textContent = 'Export policy';
    const w = document.createElement('h4');
    w.textContent = 'Where its devices live';
    const t = table(`Devices of ${o.tenant} by region`, ['Region', 'Health', 'Registered', 'Connected'],
      (o.devicesByRegion || []).map((x) => [regionName(x.region), x.health || '', showCount(x.devicesRegistered), showCount(x.devicesConnected)]),
      'tenant-devices');
    const home = document.createElement('p');
    home.textContent = o.homeJurisdiction ? `Home jurisdiction: ${o.homeJurisdiction}` : '';
    body.replaceChildren(h, home, a, describe(o.allocation), e, describe(o.export), w, t);
  } catch (err) {
    body.textContent = err instanceof ApiError && err.status === 403
      ? `You may not read tenant ${tenant} (403).` : `Tenant ${tenant} could not be read: ${err.message}`;
  }
}

// ---- audit view

function renderRuns() {
  const runs = [...state.runs.values()].sort((a, b) => String(b.startedAt).localeCompare(String(a.startedAt)));
  $('audit-runs-body').replaceChildren(...runs.map((r) => {
    const p = r.progress || {};
    const td = document.createElement('td');
    if (r.status === 'DONE') {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = 'Open report';
      b.setAttribute('aria-label', `Open the report of the run started ${r.startedAt}`);
      b.setAttribute('data-testid', `audit-report-${r.runId}`);
      b.addEventListener('click', () => openReport(r.runId));
      td.append(b);
    }
    const tr = row([cell(r.startedAt || ''), cell(r.status || ''), cell(r.verdict || '—', { 'data-testid': `audit-verdict-${r.runId}` }),
      cell(p.total ? `${p.step || ''} ${p.done}/${p.total}`.trim() : p.step || ''), td]);
    tr.setAttribute('data-testid', `audit-run-${r.runId}`);
    tr.setAttribute('data-status', r.status || '');
    return tr;
  }));
  const running = runs.find((r) => r.status === 'RUNNING');
  const last = runs[0];
  if (running) {
    const p = running.progress || {};
    $('audit-progress').textContent = `Running: ${p.step || 'starting'}${p.total ? ` (${p.done} of ${p.total})` : ''}`;
  } else if (last) {
    $('audit-progress').textContent = `Last run ${last.status.toLowerCase()}${last.verdict ? `, verdict ${last.verdict}` : ''}${last.error ? `: ${last.error}` : ''}.`;
  }
  $('audit-run').disabled = Boolean(running);
}

function updateRun(run) {
  if (run && run.runId) {
    const { report, ...withoutReport } = run;
    state.runs.set(run.runId, withoutReport);
    renderRuns();
  }
}

async function loadRuns() {
  try {
    const list = await api.auditRuns();
    state.runs = new Map(list.runs.map((r) => [r.runId, r]));
    renderRuns();
  } catch (e) {
    showError('Audit runs could not be read: ' + e.message);
  }
}

async function startAudit() {
  try {
    const run = await api.startAudit();
    updateRun(run);
    // the audit-run events carry its progress; this poll is only a safety net should the stream be reconnecting
    const poll = async () => {
      const r = await api.json(`/v1/audit/runs/${encodeURIComponent(run.runId)}`);
      updateRun(r);
      if (r.status === 'RUNNING') {
        setTimeout(poll, 3000);
      }
    };
    setTimeout(poll, 3000);
  } catch (e) {
    showError('The audit could not be started: ' + e.message);
  }
}

async function openReport(runId) {
  try {
    const url = await api.auditReportBlobUrl(runId);
    const w = window.open(url, '_blank');
    if (!w) {
      window.location.assign(url);
    }
  } catch (e) {
    showError('The report could not be read: ' + e.message);
  }
}

// ---- views and the live stream

function show(view) {
  state.view = view;
  for (const v of ['map', 'tenant', 'audit']) {
    $(`view-${v}`).hidden = v !== view;
    const b = document.querySelector(`nav [data-view="${v}"]`);
    if (v === view) {
      b.setAttribute('aria-current', 'page');
    } else {
      b.removeAttribute('aria-current');
    }
  }
  if (view === 'audit') {
    loadRuns();
  }
}

function onEvent(ev) {
  let data;
  try {
    data = JSON.parse(ev.data);
  } catch {
    return;
  }
  if (ev.event === 'status') {
    state.status = data;
    state.regions = mergeStatus(state.regions, data);
    renderRegions();
  } else if (ev.event === 'transfers') {
    if (state.period === 'PT1H') {
      state.transfers = data;
      renderTransfers();
    } else {
      // the stream's transfers are the last hour; other periods are asked for again
      loadTransfers();
    }
  } else if (ev.event === 'audit-run') {
    updateRun(data);
  }
}

async function main() {
  const config = await (await fetch('config.json', { cache: 'no-store' })).json();
  $('gateway-label').textContent = `Gateway ${config.gateway.region} (${config.gateway.jurisdiction})`;
  const auth = new Auth(config);
  $('sign-in').addEventListener('click', () => auth.login());
  $('sign-out').addEventListener('click', () => auth.logout());
  let signedIn = false;
  try {
    signedIn = await auth.start();
  } catch (e) {
    showError(e.message);
  }
  if (!signedIn) {
    $('signin').hidden = false;
    return;
  }
  const claims = auth.claims();
  const access = viewsFor(claims);
  $('user-box').hidden = false;
  $('signed-in-user').textContent = displayName(claims);
  $('user-roles').textContent = `(${access.roles.join(', ') || 'no console role'}${access.tenant ? `, tenant ${access.tenant}` : ''})`;
  if (access.views.length === 0) {
    showError('Your account has none of the console\'s roles (customer-admin, customer-analyst, compliance-officer).');
    return;
  }
  api = new Api(auth);
  $('views').hidden = false;
  document.querySelector('nav [data-view="audit"]').hidden = !access.views.includes('audit');
  document.querySelectorAll('nav [data-view]').forEach((b) => b.addEventListener('click', () => show(b.dataset.view)));

  for (const p of PERIODS) {
    const o = document.createElement('option');
    o.value = p.id;
    o.textContent = p.label;
    o.selected = p.id === state.period;
    $('period').append(o);
  }
  $('period').addEventListener('change', (e) => {
    state.period = e.target.value;
    loadTransfers();
  });
  $('arc-detail-close').addEventListener('click', closeDetail);
  $('arc-detail').addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      closeDetail();
    }
  });
  $('audit-run').addEventListener('click', startAudit);
  if (access.pickTenant) {
    $('tenant-form').hidden = false;
    $('tenant-form').addEventListener('submit', (e) => {
      e.preventDefault();
      loadTenant($('tenant-input').value.trim());
    });
    $('tenant-body').textContent = 'Enter a tenant id to see its policies and devices.';
  } else {
    loadTenant(access.tenant);
  }

  map = createMap($('map'));
  show('map');
  try {
    const dir = await api.regions();
    state.regions = mergeStatus((Array.isArray(dir) ? dir : dir.regions || dir.items || []), null);
    renderRegions();
    state.status = await api.json('/v1/federation/status');
    state.regions = mergeStatus(state.regions, state.status);
    renderRegions();
    clearError();
  } catch (e) {
    showError('The federation could not be read: ' + e.message);
  }
  loadTransfers();
  api.events(onEvent, (s, e) => {
    $('live-state').textContent = s === 'live' ? 'Live' : s === 'reconnecting' ? 'Reconnecting…' : `Live updates interrupted (${e ? e.message : ''}), retrying`;
    document.body.dataset.live = s;
  });
}

main().catch((e) => showError('The console could not start: ' + e.message));
