import { describe, expect, it } from 'vitest';
import { PresenceTracker, presenceOf } from '../../../../src/core/checks/presence.js';

describe('presence timeline', () => {
  it('sets the first state at once and records changes that last, dated from when they began', () => {
    const p = new PresenceTracker(1.5);
    expect(p.onSample(0, 1)).toEqual([{ type: 'face.presence', atSec: 0, state: 'present', sinceSec: 0, faces: 1 }]);
    expect(p.onSample(0.5, 0)).toEqual([]);
    expect(p.onSample(1.0, 1)).toEqual([]); // a missed detection, not an absence
    expect(p.onSample(2.0, 0)).toEqual([]);
    expect(p.onSample(3.0, 0)).toEqual([]);
    expect(p.onSample(3.5, 0)).toEqual([{ type: 'face.presence', atSec: 3.5, state: 'absent', sinceSec: 2.0, faces: 0 }]);
    expect(p.onSample(4, 2)).toEqual([]);
    expect(p.onSample(6, 3)).toEqual([{ type: 'face.presence', atSec: 6, state: 'multiple', sinceSec: 4, faces: 3 }]);
    expect(p.totals(10)).toEqual({ present: 2, absent: 2, multiple: 6 });
  });

  it('classifies face counts', () => {
    expect([0, 1, 2, 5].map(presenceOf)).toEqual(['absent', 'present', 'multiple', 'multiple']);
  });

  it('records every change at once with no debounce', () => {
    const p = new PresenceTracker(0);
    p.onSample(0, 1);
    expect(p.onSample(1, 0)).toHaveLength(1);
    expect(p.onSample(2, 1)).toHaveLength(1);
    expect(p.totals(3)).toEqual({ present: 2, absent: 1, multiple: 0 });
  });
});
