import { describe, expect, it } from 'vitest';
import { PinHash, type StaffConfig } from '../../../../src/booth/kiosk/kiosk-config.js';
import { hashStaffPin, StaffGate, verifyStaffPin } from '../../../../src/booth/kiosk/staff-gate.js';

const staff: StaffConfig[] = [
  { staffId: 'S1', name: 'Wang', pinHash: hashStaffPin('2468') },
  { staffId: 'S2', name: 'Li', pinHash: hashStaffPin('13579') },
];

function gate() {
  let now = 1_000_000;
  const g = new StaffGate(staff, { unlockMs: 60_000, maxFailures: 3, lockoutMs: 30_000, now: () => now });
  return { g, advance: (ms: number) => (now += ms) };
}

describe('staff PIN hashes', () => {
  it('are salted scrypt hashes in the config format, verified in constant time', async () => {
    const a = hashStaffPin('2468');
    expect(PinHash.safeParse(a).success).toBe(true);
    expect(a).not.toBe(hashStaffPin('2468'));
    expect(await verifyStaffPin('2468', a)).toBe(true);
    expect(await verifyStaffPin('2469', a)).toBe(false);
    expect(await verifyStaffPin('2468', 'scrypt$broken')).toBe(false);
  });

  it.each(['123', '1234567890123', '12a4', ''])('refuses to hash %j', (pin) => {
    expect(() => hashStaffPin(pin)).toThrow(/4-12 digits/);
  });
});

describe('StaffGate', () => {
  it('unlocks for the staff member whose PIN it is, until the unlock expires; actions keep it alive', async () => {
    const { g, advance } = gate();
    expect(g.configured).toBe(true);
    expect(await g.unlock('13579')).toMatchObject({ ok: true, staff: { staffId: 'S2' } });
    advance(50_000);
    g.touch();
    advance(50_000);
    expect(g.current()?.staffId).toBe('S2');
    advance(10_001);
    expect(g.current()).toBeNull();
  });

  it('locks again on request and says who was unlocked', async () => {
    const { g } = gate();
    await g.unlock('2468');
    expect(g.lock()?.staffId).toBe('S1');
    expect(g.lock()).toBeNull();
  });

  it('refuses PINs for a while after too many wrong ones, even the right one', async () => {
    const { g, advance } = gate();
    expect(await g.unlock('0000')).toEqual({ ok: false, failures: 1, lockedOutUntil: null });
    expect(await g.unlock('0000')).toEqual({ ok: false, failures: 2, lockedOutUntil: null });
    expect(await g.unlock('0000')).toEqual({ ok: false, failures: 3, lockedOutUntil: 1_030_000 });
    expect(await g.unlock('2468')).toMatchObject({ ok: false, lockedOutUntil: 1_030_000 });
    expect(g.lockedOutUntil()).toBe(1_030_000);
    advance(30_000);
    expect(g.lockedOutUntil()).toBeNull();
    expect(await g.unlock('2468')).toMatchObject({ ok: true });
  });

  it('a right PIN resets the count of wrong ones', async () => {
    const { g } = gate();
    await g.unlock('0000');
    await g.unlock('0000');
    await g.unlock('2468');
    expect(await g.unlock('0000')).toEqual({ ok: false, failures: 1, lockedOutUntil: null });
  });

  it('is not configured without staff', () => {
    expect(new StaffGate([], { unlockMs: 1, maxFailures: 1, lockoutMs: 1 }).configured).toBe(false);
  });
});
