import { describe, expect, it } from 'vitest';
import { boothState, deriveAlerts, DEFAULT_THRESHOLDS, type AlertInput } from '../../../src/server/fleet/alerts.js';

const now = Date.parse('2026-03-01T12:00:00.000Z');
const ago = (sec: number) => new Date(now - sec * 1000).toISOString();
const quiet: AlertInput = { now, enrolledAt: ago(86_400), lastHeartbeatAt: ago(10), status: null, faults: [], config: { desiredVersion: 0, appliedVersion: null, pendingVersion: null, rejected: null }, lastUpdate: null };
const status = (disk: 'ok' | 'warn' | 'refuse' | 'stop' | 'unknown', ageSec: number | null = null) => ({
  at: ago(10),
  backlog: { segments: 3, bytes: 10, quarantined: 0, oldestUnconfirmedAt: null, oldestUnconfirmedAgeSec: ageSec },
  disk: { freeBytes: 3 * 1024 ** 3, vaultBytes: 0, quotaBytes: null, level: disk },
  recordingSessionId: null,
  activeFaults: 0,
});

describe('fleet alerts', () => {
  it('a booth that reports is online (or recording) and has no alert', () => {
    expect(deriveAlerts(quiet, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(boothState(quiet, DEFAULT_THRESHOLDS)).toBe('online');
    expect(boothState({ ...quiet, status: { ...status('ok'), recordingSessionId: '6f1c2b1e-8a4e-4c55-9d36-0c0f5d1b9a01' } }, DEFAULT_THRESHOLDS)).toBe('recording');
  });

  it('silent after the threshold; never reporting long after enrollment is silent too', () => {
    expect(boothState({ ...quiet, lastHeartbeatAt: ago(301) }, DEFAULT_THRESHOLDS)).toBe('silent');
    expect(deriveAlerts({ ...quiet, lastHeartbeatAt: ago(299) }, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(deriveAlerts({ ...quiet, lastHeartbeatAt: null }, DEFAULT_THRESHOLDS)).toEqual([{ kind: 'silent', severity: 'error', message: 'enrolled 24 h ago and never reported' }]);
    expect(boothState({ ...quiet, lastHeartbeatAt: null }, DEFAULT_THRESHOLDS)).toBe('new');
  });

  it('disk levels map to warning, error and critical', () => {
    const of = (l: 'warn' | 'refuse' | 'stop') => deriveAlerts({ ...quiet, status: status(l) }, DEFAULT_THRESHOLDS).map((a) => [a.kind, a.severity]);
    expect(of('warn')).toEqual([['disk.nearly_full', 'warning']]);
    expect(of('refuse')).toEqual([['disk.full', 'error']]);
    expect(of('stop')).toEqual([['disk.full', 'critical']]);
  });

  it('a backlog whose oldest segment waits past the threshold is failing to sync', () => {
    expect(deriveAlerts({ ...quiet, status: status('ok', 1799) }, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(deriveAlerts({ ...quiet, status: status('ok', 1801) }, DEFAULT_THRESHOLDS)[0]).toMatchObject({ kind: 'sync.stuck', message: 'failing to sync: 3 segments waiting, the oldest for 30 min' });
  });

  it('a rejection counts only while it is the desired version; an update failure until a later outcome', () => {
    const rejected = { version: 5, reason: 'bad', at: ago(5) };
    expect(deriveAlerts({ ...quiet, config: { desiredVersion: 5, appliedVersion: 4, pendingVersion: null, rejected } }, DEFAULT_THRESHOLDS).map((a) => a.kind)).toEqual(['config.rejected']);
    expect(deriveAlerts({ ...quiet, config: { desiredVersion: 6, appliedVersion: 4, pendingVersion: 6, rejected } }, DEFAULT_THRESHOLDS)).toEqual([]);
    expect(deriveAlerts({ ...quiet, lastUpdate: { version: '2.0.0', outcome: 'start-failed', message: 'crash', at: ago(1) } }, DEFAULT_THRESHOLDS)[0]!.message).toBe('update to 2.0.0: start-failed (crash)');
    expect(deriveAlerts({ ...quiet, lastUpdate: { version: '1.9.0', outcome: 'installed', message: null, at: ago(1) } }, DEFAULT_THRESHOLDS)).toEqual([]);
  });
});
