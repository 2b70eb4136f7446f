import { describe, expect, it } from 'vitest';
import { arcLabel, drawableArcs, mergeStatus, outcomeMix, periodRange, showCount, transferTotals } from '../src/summary.js';
import { arcPath, placeLabels } from '../src/map.js';

describe('arcs and outcomes', () => {
  it('colours an arc by its worst outcome and marks a mix', () => {
    expect(outcomeMix({ allow: 3 })).toMatchObject({ worst: 'allow', mixed: false, total: 3, deny: 0 });
    expect(outcomeMix({ allow: 3, partial: 1, suppressedCells: 4 })).toMatchObject({ worst: 'partial', mixed: true, suppressedCells: 4 });
    expect(outcomeMix({ allow: 0, partial: 0, deny: 1 })).toMatchObject({ worst: 'deny', mixed: false, total: 1 });
    expect(outcomeMix({ allow: 12, partial: 3, deny: 1 })).toMatchObject({ worst: 'deny', mixed: true, total: 16 });
  });

  it('widens strokes with the count, within bounds', () => {
    expect(outcomeMix({ allow: 1 }).width).toBeLessThan(outcomeMix({ allow: 100 }).width);
    expect(outcomeMix({ allow: 1e9 }).width).toBe(8);
  });

  it('labels an arc in words', () => {
    expect(arcLabel({ from: 'eu-central', to: 'us-east', allow: 12, partial: 3, deny: 1, suppressedCells: 7 }, (id) => id.toUpperCase()))
      .toBe('EU-CENTRAL to US-EAST: 12 allowed, 3 partial, 1 denied, 7 suppressed cells');
  });

  it('draws only arcs between two different known regions, in a stable order', () => {
    const arcs = [
      { from: 'us-east', to: 'eu-central', allow: 1 },
      { from: 'eu-central', to: 'eu-central', allow: 5 },
      { from: 'eu-central', to: 'mars', deny: 1 },
      { from: 'af-south', to: 'us-east', partial: 2 },
    ];
    expect(drawableArcs(arcs, ['eu-central', 'us-east', 'af-south']).map((a) => `${a.from}>${a.to}`))
      .toEqual(['af-south>us-east', 'us-east>eu-central']);
    expect(transferTotals(drawableArcs(arcs, ['eu-central', 'us-east', 'af-south']))).toEqual({ allow: 1, partial: 2, deny: 0, suppressedCells: 0 });
  });

  it('bends the two directions of a pair to opposite sides', () => {
    const there = arcPath([0, 0], [100, 0]);
    const back = arcPath([100, 0], [0, 0]);
    expect(there.mid[1]).toBeLessThan(0);
    expect(back.mid[1]).toBeGreaterThan(0);
    expect(there.d).toBe('M0.0,0.0 Q50.0,-20.0 100.0,0.0');
  });

  it('turns a period into [from, to)', () => {
    const now = new Date('2026-11-24T17:00:00Z');
    expect(periodRange('PT15M', now)).toEqual({ from: '2026-11-24T16:45:00.000Z', to: '2026-11-24T17:00:00.000Z' });
    expect(periodRange('PT24H', now).from).toBe('2026-11-23T17:00:00.000Z');
    expect(() => periodRange('P1Y', now)).toThrow(/unknown period/);
  });
});

describe('status', () => {
  it('merges live numbers into the directory and marks silent regions', () => {
    const dir = [{ id: 'eu-central', coordinates: { latitude: 50.1, longitude: 8.7 } }, { id: 'us-east' }];
    const merged = mergeStatus(dir, { regions: [{ id: 'eu-central', health: 'UP', devicesRegistered: 120, devicesConnected: 37, ingestPerSecond: 41.5 }] });
    expect(merged[0]).toMatchObject({ id: 'eu-central', health: 'UP', devicesConnected: 37, coordinates: { latitude: 50.1 } });
    expect(merged[1]).toMatchObject({ id: 'us-east', health: 'UNAVAILABLE', devicesConnected: null });
    expect(showCount(null)).toBe('—');
    expect(showCount(41.55, 1)).toBe('41.5');
  });
});

describe('label placement', () => {
  const overlap = (a, b) => !(a.x1 <= b.x0 || a.x0 >= b.x1 || a.y1 <= b.y0 || a.y0 >= b.y1);
  const boxOf = (p, s) => {
    const w = Math.max(...p.lines.map((l) => l.length)) * 7.4;
    const x0 = s.anchor === 'start' ? p.x + 12 : p.x - 12 - w;
    return { x0, x1: x0 + w, y0: p.y + s.dy - 13, y1: p.y + s.dy + 22 };
  };

  it('puts the labels of two close regions where they do not overlap', () => {
    const pts = [
      { x: 470, y: 120, lines: ['London (UK South) · GB · UNAVAILABLE', '— / — devices · — msg/s'] },
      { x: 482, y: 128, lines: ['Frankfurt (EU Central) · EU · UP', '12 / 28 devices · 4.1 msg/s'] },
      { x: 300, y: 150, lines: ['N. Virginia (US East) · US · UP', '6 / 6 devices · 1.8 msg/s'] },
    ];
    const spots = placeLabels(pts);
    const boxes = pts.map((p, i) => boxOf(p, spots[i]));
    expect(overlap(boxes[0], boxes[1])).toBe(false);
    expect(overlap(boxes[0], boxes[2]) || overlap(boxes[1], boxes[2])).toBe(false);
    // a region west of the middle is labelled on its west side, away from the arcs
    expect(spots[2].anchor).toBe('end');
  });
});
