import { describe, expect, it, vi } from 'vitest';
import { guardRenderer, reloadDelayMs } from '../../../main/crash-guard.js';
import { createLogger } from '../../../src/platform/log.js';
import { FakeWebContents } from './fake-electron.js';

// The Electron binary cannot run on the build machines, so `electron` is mocked (crash-guard only
// needs its types) and the webContents is a test double.
vi.mock('electron', () => ({}));

function setup() {
  const wc = new FakeWebContents();
  let now = 0;
  const timers: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  guardRenderer(wc as never, {
    log: createLogger('test', 'silent'),
    unresponsiveMs: 15_000,
    now: () => now,
    setTimer: (fn, ms) => {
      const t = { fn, ms, cleared: false };
      timers.push(t);
      return t;
    },
    clearTimer: (t) => ((t as { cleared: boolean }).cleared = true),
  });
  return { wc, timers, advance: (ms: number) => (now += ms) };
}

describe('renderer crash guard', () => {
  it('reloads a crashed kiosk page at once, then with growing delays while it keeps crashing', () => {
    const { wc, timers, advance } = setup();
    for (let i = 0; i < 4; i++) {
      wc.emit('render-process-gone', {}, { reason: 'crashed', exitCode: 11 });
      advance(1000);
    }
    expect(timers.map((t) => t.ms)).toEqual([0, 1000, 2000, 4000]);
    for (const t of timers) t.fn();
    expect(wc.reload).toHaveBeenCalledTimes(4);
    advance(120_000);
    wc.emit('render-process-gone', {}, { reason: 'oom', exitCode: 0 });
    expect(timers.at(-1)!.ms).toBe(0); // a minute later the count starts over
  });

  it('leaves a clean exit alone and does not reload a destroyed window', () => {
    const { wc, timers } = setup();
    wc.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    expect(timers).toEqual([]);
    wc.emit('render-process-gone', {}, { reason: 'killed', exitCode: 9 });
    wc.destroyed = true;
    timers[0]!.fn();
    expect(wc.reload).not.toHaveBeenCalled();
  });

  it('crashes a renderer that hangs, unless it answers again in time', () => {
    const { wc, timers } = setup();
    wc.emit('unresponsive');
    wc.emit('responsive');
    expect(timers[0]!.cleared).toBe(true);
    wc.emit('unresponsive');
    wc.emit('unresponsive');
    expect(timers).toHaveLength(2);
    timers[1]!.fn();
    expect(wc.forcefullyCrashRenderer).toHaveBeenCalledOnce();
  });

  it('caps the delay at 30 s', () => {
    expect(reloadDelayMs(1)).toBe(0);
    expect(reloadDelayMs(20)).toBe(30_000);
  });
});
