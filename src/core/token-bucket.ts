/**
 * Token bucket for a bandwidth cap, as pure arithmetic: the caller passes the clock. Capacity is
 * one second of rate, so a burst never exceeds the cap by more than one second's worth.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSec: number,
    now: number,
  ) {
    if (!(bytesPerSec > 0)) throw new RangeError('bytesPerSec must be > 0');
    this.tokens = bytesPerSec;
    this.last = now;
  }

  /**
   * Takes `n` bytes; returns how many ms the caller must wait before sending them (0: now).
   * Tokens may go negative, so concurrent takers queue up fairly behind each other.
   */
  take(n: number, now: number): number {
    this.tokens = Math.min(this.bytesPerSec, this.tokens + ((now - this.last) / 1000) * this.bytesPerSec);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.bytesPerSec) * 1000);
  }
}
