// The world map: Natural Earth land and borders from world-atlas (TopoJSON, converted with topojson-client), projected
// with d3-geo; one marker per region at its coordinates, one curved arc per (source, requester) pair.
import { geoEqualEarth, geoGraticule10, geoPath } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import countries from 'world-atlas/countries-110m.json';
import { arcLabel, outcomeMix } from './summary.js';

export const WIDTH = 960;
export const HEIGHT = 500;
const SVG = 'http://www.w3.org/2000/svg';

const land = feature(countries, countries.objects.land);
const borders = mesh(countries, countries.objects.countries, (a, b) => a !== b);

export function projection() {
  return geoEqualEarth().fitExtent([[8, 8], [WIDTH - 8, HEIGHT - 8]], { type: 'Sphere' });
}

/**
 * A quadratic curve from p to q bent to the left of the direction of travel, so the two directions between one pair
 * of regions are two separate arcs. Returns the SVG path data and the curve's midpoint (where its label goes).
 */
export function arcPath(p, q, bend = 0.2) {
  const [x1, y1] = p;
  const [x2, y2] = q;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const cx = (x1 + x2) / 2 + dy * bend;
  const cy = (y1 + y2) / 2 - dx * bend;
  const mid = [0.25 * x1 + 0.5 * cx + 0.25 * x2, 0.25 * y1 + 0.5 * cy + 0.25 * y2];
  return { d: `M${x1.toFixed(1)},${y1.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`, mid };
}

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== null && v !== undefined) {
      e.setAttribute(k, String(v));
    }
  }
  if (parent) {
    parent.appendChild(e);
  }
  return e;
}

/** Draws the base map once into an <svg>, with layers for arcs and markers drawn over it. */
export function createMap(svg) {
  const proj = projection();
  const path = geoPath(proj);
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  const defs = el('defs', {}, svg);
  for (const kind of ['allow', 'partial', 'deny']) {
    const m = el('marker', {
      // in user space: the arrowheads keep one size whatever the arc's stroke width
      id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 12, markerHeight: 12, markerUnits: 'userSpaceOnUse',
      orient: 'auto-start-reverse',
    }, defs);
    el('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrowhead ${kind}` }, m);
  }
  const base = el('g', { class: 'basemap', 'aria-hidden': 'true' }, svg);
  el('path', { class: 'sphere', d: path({ type: 'Sphere' }) }, base);
  el('path', { class: 'graticule', d: path(geoGraticule10()) }, base);
  el('path', { class: 'land', d: path(land) }, base);
  el('path', { class: 'borders', d: path(borders) }, base);
  const arcs = el('g', { class: 'arcs', role: 'group', 'aria-label': 'Transfers between regions' }, svg);
  const markers = el('g', { class: 'markers', role: 'group', 'aria-label': 'Regions' }, svg);
  return { svg, proj, arcs, markers };
}

const LINE = 18;
const CHAR = 7.4; // the width of one character of the 13 px label font, near enough for placing boxes

/**
 * Where each marker's two-line label goes so that no two labels overlap (regions can be close: Frankfurt and London).
 * Greedy, in the given order: the first of these spots whose box is free and inside the map, else the first spot:
 * the side away from the map's middle (where the arcs run), then the other side, then below, then further up.
 * Returns per point {dx, dy, anchor}: dy is the first line's baseline relative to the marker.
 */
export function placeLabels(points) {
  const placed = [];
  return points.map((p) => {
    const w = Math.max(...p.lines.map((l) => l.length)) * CHAR;
    const away = p.x < 0.45 * WIDTH ? 'left' : 'right';
    const other = away === 'left' ? 'right' : 'left';
    const spots = [[away, -LINE], [other, -LINE], [away, LINE + 6], [other, LINE + 6], [away, -3 * LINE], [other, -3 * LINE]];
    const box = ([side, dy]) => {
      const x0 = side === 'right' ? p.x + 12 : p.x - 12 - w;
      return { x0, x1: x0 + w, y0: p.y + dy - 13, y1: p.y + dy + LINE + 4 };
    };
    const free = (b) => b.x0 >= 0 && b.x1 <= WIDTH && b.y0 >= 0 && b.y1 <= HEIGHT
      && placed.every((o) => b.x1 <= o.x0 || b.x0 >= o.x1 || b.y1 <= o.y0 || b.y0 >= o.y1);
    const spot = spots.find((sp) => free(box(sp))) || spots[0];
    placed.push(box(spot));
    return { dx: spot[0] === 'right' ? 12 : -12, dy: spot[1], anchor: spot[0] === 'right' ? 'start' : 'end' };
  });
}

/** Redraws the region markers with their live numbers. */
export function drawMarkers(map, regions) {
  map.markers.replaceChildren();
  const shown = regions.filter((r) => r.coordinates).map((r) => {
    const [x, y] = map.proj([r.coordinates.longitude, r.coordinates.latitude]);
    const name = `${r.name || r.id} · ${r.jurisdiction} · ${r.health}`;
    const counts = `${fmt(r.devicesConnected)} / ${fmt(r.devicesRegistered)} devices · ${fmt(r.ingestPerSecond, 1)} msg/s`;
    return { r, x, y, lines: [name, counts] };
  });
  const spots = placeLabels(shown);
  shown.forEach(({ r, x, y }, i) => {
    const { dx, dy, anchor } = spots[i];
    const health = (r.health || 'UNAVAILABLE').toLowerCase();
    const g = el('g', {
      class: `marker ${health}`, 'data-testid': `region-${r.id}`, tabindex: 0, role: 'img', transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
      'aria-label': `${r.name || r.id} (${r.jurisdiction}), ${r.health}: ${fmt(r.devicesConnected)} of ${fmt(r.devicesRegistered)} `
        + `devices connected, ${fmt(r.ingestPerSecond, 1)} messages per second`,
    }, map.markers);
    el('circle', { r: 7, class: 'dot' }, g);
    const t = el('text', { x: dx, y: dy, 'text-anchor': anchor, class: 'label' }, g);
    span(t, `${r.name || r.id} · ${r.jurisdiction} · ${r.health}`, { class: 'name', x: dx });
    const t2 = el('text', { x: dx, y: dy + LINE, 'text-anchor': anchor, class: 'label counts' }, g);
    span(t2, fmt(r.devicesConnected), { 'data-testid': `region-${r.id}-connected` });
    span(t2, ' / ');
    span(t2, fmt(r.devicesRegistered), { 'data-testid': `region-${r.id}-registered` });
    span(t2, ' devices · ');
    span(t2, fmt(r.ingestPerSecond, 1), { 'data-testid': `region-${r.id}-ingest` });
    span(t2, ' msg/s');
    // a light halo under the text keeps it readable over land and arcs
    for (const tx of [t, t2]) {
      const halo = tx.cloneNode(true);
      halo.setAttribute('class', tx.getAttribute('class') + ' halo');
      halo.setAttribute('aria-hidden', 'true');
      halo.querySelectorAll('[data-testid]').forEach((e) => e.removeAttribute('data-testid'));
      g.insertBefore(halo, tx);
    }
  });
}

function span(text, s, attrs = {}) {
  const ts = el('tspan', attrs, text);
  ts.textContent = s;
  return ts;
}

function fmt(v, digits = 0) {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** Redraws the arcs; each is focusable and opens its details on click, Enter or Space. */
export function drawArcs(map, arcs, regions, onOpen) {
  map.arcs.replaceChildren();
  const at = new Map(regions.filter((r) => r.coordinates).map((r) => [r.id, map.proj([r.coordinates.longitude, r.coordinates.latitude])]));
  const name = (id) => (regions.find((r) => r.id === id) || {}).name || id;
  for (const a of arcs) {
    const p = at.get(a.from);
    const q = at.get(a.to);
    if (!p || !q) {
      continue;
    }
    const m = outcomeMix(a);
    const { d, mid } = arcPath(p, q);
    const g = el('g', {
      class: `arc ${m.worst}${m.mixed ? ' mixed' : ''}`, 'data-testid': `arc-${a.from}-${a.to}`, tabindex: 0, role: 'button',
      'aria-label': arcLabel(a, name) + '. Press Enter for the records.', 'data-deny': m.deny, 'data-allow': m.allow, 'data-partial': m.partial,
    }, map.arcs);
    // a wide transparent stroke under the visible one makes the arc easy to hit with a pointer
    el('path', { d, class: 'hit' }, g);
    el('path', { d, class: 'stroke', 'stroke-width': m.width.toFixed(1), 'marker-end': `url(#arrow-${m.worst})` }, g);
    const label = el('text', { x: mid[0].toFixed(1), y: mid[1].toFixed(1), 'text-anchor': 'middle', class: 'arc-label', 'aria-hidden': 'true' }, g);
    label.textContent = `${m.allow}✓ ${m.partial}◐ ${m.deny}✕`;
    const open = () => onOpen(a);
    g.addEventListener('click', open);
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open();
      }
    });
  }
}
