// BoothActivity: the fleet's "is anyone using this booth" — a recording session, or a customer in
// the kiosk flow before recording starts. Plain event emitters stand in for the session service and
// the flow service; both are exercised for real in the fleet and kiosk integration tests.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BoothActivity } from '../../../src/booth/fleet/activity.js';

class Sessions extends EventEmitter<{ change: [] }> {
  busy = false;
}
class Flow extends EventEmitter<{ change: [] }> {
  state: { step: string } | null = null;
  view() {
    return { flow: this.state };
  }
}

describe('BoothActivity', () => {
  it('is busy while a session records', () => {
    const s = new Sessions();
    const a = new BoothActivity(s);
    expect(a.busy).toBe(false);
    s.busy = true;
    expect(a.busy).toBe(true);
    expect(a.busyReason).toBe('a session is recording');
  });

  it('is busy while a customer is in the kiosk flow before recording, and says so', () => {
    const s = new Sessions();
    const f = new Flow();
    const a = new BoothActivity(s);
    a.watchFlow(f);
    expect(a.busy).toBe(false);
    f.state = { step: 'identify' };
    expect(a.busy).toBe(true);
    expect(a.busyReason).toBe('a customer is using the kiosk');
    f.state = null;
    expect(a.busy).toBe(false);
  });

  it('passes on change events of both', () => {
    const s = new Sessions();
    const f = new Flow();
    const a = new BoothActivity(s);
    a.watchFlow(f);
    let n = 0;
    a.on('change', () => n++);
    s.emit('change');
    f.emit('change');
    expect(n).toBe(2);
  });
});
