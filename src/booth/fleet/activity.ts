import { EventEmitter } from 'node:events';

interface Busy {
  readonly busy: boolean;
  on(event: 'change', listener: () => void): unknown;
}

interface KioskFlowLike {
  /** `flow` is null on the attract screen, the customer's flow state anywhere else. */
  view(): { flow: unknown };
  on(event: 'change', listener: () => void): unknown;
}

/**
 * What the fleet asks before it reconfigures or updates the booth: busy while a session starts or
 * records, AND while a customer is anywhere in the kiosk flow past the attract screen (identifying,
 * choosing a product or mode), so an update never restarts the booth under a customer who has
 * not started recording yet. `change` fires on either.
 */
export class BoothActivity extends EventEmitter<{ change: [] }> {
  private flow: KioskFlowLike | null = null;

  constructor(private readonly sessions: Busy) {
    super();
    sessions.on('change', () => this.emit('change'));
  }

  /** Follows the kiosk flow too (it is built after the fleet is attached). */
  watchFlow(flow: KioskFlowLike): void {
    this.flow = flow;
    flow.on('change', () => this.emit('change'));
  }

  get busy(): boolean {
    return this.busyReason !== null;
  }

  /** Why the booth is not idle now, or null. */
  get busyReason(): string | null {
    if (this.sessions.busy) return 'a session is recording';
    if (this.flow !== null && this.flow.view().flow !== null) return 'a customer is using the kiosk';
    return null;
  }
}
