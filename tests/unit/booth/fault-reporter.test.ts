import { describe, expect, it } from 'vitest';
import { FaultReporter } from '../../../src/booth/faults/fault-reporter.js';
import { Fault } from '../../../src/protocol/faults.js';

const SID = '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01';

describe('fault reporter', () => {
  it('deduplicates by kind and session, counting repeats', () => {
    const f = new FaultReporter();
    const raised: string[] = [];
    f.on('raised', (x) => raised.push(x.kind));
    f.raise({ kind: 'camera.lost', severity: 'error', message: 'camera gone', sessionId: SID });
    const again = f.raise({ kind: 'camera.lost', severity: 'error', message: 'camera still gone', sessionId: SID });
    f.raise({ kind: 'disk.nearly_full', severity: 'warning', message: '5% free' });
    expect(raised).toEqual(['camera.lost', 'disk.nearly_full']);
    expect(again).toMatchObject({ count: 2, message: 'camera still gone' });
    expect(f.active().map((x) => x.kind)).toEqual(['camera.lost', 'disk.nearly_full']);
    for (const x of f.active()) expect(Fault.safeParse(x).success).toBe(true);
  });

  it('orders by severity and clears by kind', () => {
    const f = new FaultReporter();
    let changes = 0;
    f.on('change', () => changes++);
    f.raise({ kind: 'disk.nearly_full', severity: 'warning', message: 'low' });
    f.raise({ kind: 'disk.full', severity: 'critical', message: 'full' });
    expect(f.active()[0]!.kind).toBe('disk.full');
    expect(f.clear('disk.full')).toBe(1);
    expect(f.clear('disk.full')).toBe(0);
    expect(f.active().map((x) => x.kind)).toEqual(['disk.nearly_full']);
    expect(changes).toBe(3);
  });
});
