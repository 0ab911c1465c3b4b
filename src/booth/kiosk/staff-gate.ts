import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { StaffConfig } from './kiosk-config.js';

const scryptAsync = promisify(scrypt) as (pin: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number }) => Promise<Buffer>;
const COST = { N: 1 << 14, r: 8, p: 1 };

/** `scrypt$<salt>$<hash>` of a staff PIN, for the booth config's `kiosk.staff[].pinHash`. */
export function hashStaffPin(pin: string): string {
  if (!/^\d{4,12}$/.test(pin)) throw new Error('a staff PIN is 4-12 digits');
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64')}$${scryptSync(pin, salt, 32, COST).toString('base64')}`;
}

/** True when `pin` matches a `hashStaffPin` hash (constant-time compare). */
export async function verifyStaffPin(pin: string, pinHash: string): Promise<boolean> {
  const [, salt, hash] = pinHash.split('$');
  if (salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const got = await scryptAsync(pin, Buffer.from(salt, 'base64'), expected.length, COST);
  return timingSafeEqual(got, expected);
}

export interface StaffGateOptions {
  unlockMs: number;
  maxFailures: number;
  lockoutMs: number;
  now?: () => number;
}

export type UnlockResult = { ok: true; staff: StaffConfig } | { ok: false; failures: number; lockedOutUntil: number | null };

/**
 * The staff overlay's lock: a PIN unlocks it for one staff member until `unlockMs` pass without a
 * staff action or it is locked again. After `maxFailures` wrong PINs in a row, PINs are refused
 * (not even checked) for `lockoutMs`, which bounds guessing at the kiosk.
 */
export class StaffGate {
  private unlocked: { staff: StaffConfig; until: number } | null = null;
  private failures = 0;
  private lockoutEnds = 0;
  private readonly now: () => number;

  constructor(
    private readonly staff: readonly StaffConfig[],
    private readonly opts: StaffGateOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  get configured(): boolean {
    return this.staff.length > 0;
  }

  /** The unlocked staff member, or null (also once the unlock has expired). */
  current(): StaffConfig | null {
    if (this.unlocked !== null && this.now() >= this.unlocked.until) this.unlocked = null;
    return this.unlocked?.staff ?? null;
  }

  /** Keeps the unlock alive after a staff action. */
  touch(): void {
    if (this.current() !== null) this.unlocked!.until = this.now() + this.opts.unlockMs;
  }

  lockedOutUntil(): number | null {
    return this.now() < this.lockoutEnds ? this.lockoutEnds : null;
  }

  async unlock(pin: string): Promise<UnlockResult> {
    const locked = this.lockedOutUntil();
    if (locked !== null) return { ok: false, failures: this.failures, lockedOutUntil: locked };
    for (const s of this.staff) {
      if (await verifyStaffPin(pin, s.pinHash)) {
        this.failures = 0;
        this.unlocked = { staff: s, until: this.now() + this.opts.unlockMs };
        return { ok: true, staff: s };
      }
    }
    this.failures++;
    if (this.failures >= this.opts.maxFailures) {
      this.lockoutEnds = this.now() + this.opts.lockoutMs;
      const failures = this.failures;
      this.failures = 0;
      return { ok: false, failures, lockedOutUntil: this.lockoutEnds };
    }
    return { ok: false, failures: this.failures, lockedOutUntil: null };
  }

  /** Locks the overlay; returns who was unlocked. */
  lock(): StaffConfig | null {
    const was = this.current();
    this.unlocked = null;
    return was;
  }
}
