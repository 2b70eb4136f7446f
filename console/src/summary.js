// Pure summaries of what the gateway answers: the arcs' outcome mix, their labels, and the period selector's ranges.

export const PERIODS = [
  { id: 'PT15M', label: 'Last 15 minutes', millis: 15 * 60 * 1000 },
  { id: 'PT1H', label: 'Last hour', millis: 60 * 60 * 1000 },
  { id: 'PT24H', label: 'Last 24 hours', millis: 24 * 60 * 60 * 1000 },
];

/** [from, to) of a period ending now, as the ISO instants /v1/transfers takes. */
export function periodRange(periodId, now = new Date()) {
  const p = PERIODS.find((x) => x.id === periodId);
  if (!p) {
    throw new Error('unknown period ' + periodId);
  }
  return { from: new Date(now.getTime() - p.millis).toISOString(), to: now.toISOString() };
}

const n = (v) => (Number.isFinite(v) ? v : 0);

/**
 * The outcome mix of an arc: totals, the worst outcome present (deny over partial over allow: the colour), whether
 * more than one outcome is present (a dashed stroke), and a stroke width that grows with the log of the count.
 */
export function outcomeMix(arc) {
  const allow = n(arc.allow);
  const partial = n(arc.partial);
  const deny = n(arc.deny);
  const total = allow + partial + deny;
  const worst = deny > 0 ? 'deny' : partial > 0 ? 'partial' : 'allow';
  const kinds = [allow, partial, deny].filter((x) => x > 0).length;
  return {
    allow, partial, deny, total, worst, mixed: kinds > 1,
    suppressedCells: n(arc.suppressedCells),
    width: total === 0 ? 1.5 : Math.min(8, 1.5 + Math.log2(1 + total)),
  };
}

/** The words a screen reader says for an arc, and the text table shows. */
export function arcLabel(arc, regionName = (id) => id) {
  const m = outcomeMix(arc);
  return `${regionName(arc.from)} to ${regionName(arc.to)}: ${m.allow} allowed, ${m.partial} partial, `
    + `${m.deny} denied, ${m.suppressedCells} suppressed cells`;
}

/** Arcs between two different known regions, sorted for a stable drawing order (and stable tables). */
export function drawableArcs(arcs, regionIds) {
  const known = new Set(regionIds);
  return (arcs || [])
    .filter((a) => a.from !== a.to && known.has(a.from) && known.has(a.to))
    .slice()
    .sort((a, b) => (a.from + '>' + a.to).localeCompare(b.from + '>' + b.to));
}

/** Totals over all arcs, for the summary line above the map. */
export function transferTotals(arcs) {
  return (arcs || []).reduce((t, a) => {
    const m = outcomeMix(a);
    t.allow += m.allow;
    t.partial += m.partial;
    t.deny += m.deny;
    t.suppressedCells += m.suppressedCells;
    return t;
  }, { allow: 0, partial: 0, deny: 0, suppressedCells: 0 });
}

/** Merges a status event's numbers into the region directory (coordinates, names) by region id. */
export function mergeStatus(regions, status) {
  const byId = new Map(((status && status.regions) || []).map((r) => [r.id, r]));
  return regions.map((r) => {
    const s = byId.get(r.id);
    return {
      ...r,
      health: s ? s.health : 'UNAVAILABLE',
      devicesRegistered: s ? s.devicesRegistered : null,
      devicesConnected: s ? s.devicesConnected : null,
      ingestPerSecond: s ? s.ingestPerSecond : null,
    };
  });
}

/** A count as shown: an em dash when the region did not answer. */
export function showCount(v, digits = 0) {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}
